import React from 'react';
import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FlexString, Str, UiScope } from '../src/components/ui';
import { DEFAULT_STRINGS, ES_STRINGS, htmlToText, makeTranslate, registerStrings, type FlexTemplates, type StringKey } from '../src/strings';

/** A stand-in for Flex's compiled templates (Handlebars): escapes values as Handlebars does. */
const escape = (v: unknown) => String(v).replace(/[&<>"'`=]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
const compile = (text: string) => (ctx: Record<string, unknown> = {}) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_w, k: string) => escape(ctx[k] ?? ''));

/** A stand-in for Flex's Template: its `source` with its other props as the context, as HTML in a span. */
function Template({ source, className, ...context }: { source: (c: Record<string, unknown>) => string; className?: string }) {
  return <span className={className ?? 'Twilio'} data-flex="Template" dangerouslySetInnerHTML={{ __html: source(context) }} />;
}

describe('the plugin’s strings through Flex’s templates', () => {
  it('evaluates Flex’s compiled template at each call (a string set again later shows), as plain text', () => {
    const templates: FlexTemplates = { VideoEscalationJoinFailed: compile('Échec : {{error}}') };
    const strings = { VideoEscalationJoinFailed: 'not used while Flex has the template' };
    const t = makeTranslate(() => strings, () => templates);
    expect(t('VideoEscalationJoinFailed', { error: "can't <connect> & retry" })).toBe("Échec : can't <connect> & retry");
    templates.VideoEscalationJoinFailed = compile('Nouveau : {{error}}');
    expect(t('VideoEscalationJoinFailed', { error: 'x' })).toBe('Nouveau : x');
  });

  it('reads manager.strings (else the default) and fills the placeholders where Flex has no template for the key', () => {
    const strings: Record<string, string> = { VideoEscalationJoin: 'Rejoindre' };
    const t = makeTranslate(() => strings, () => ({}));
    expect(t('VideoEscalationJoin')).toBe('Rejoindre');
    expect(t('VideoEscalationRejoining', { attempt: 2, max: 4 })).toBe('Connection lost: rejoining (attempt 2 of 4)…');
    const broken = makeTranslate(() => strings, () => {
      throw new Error('no templates');
    });
    expect(broken('VideoEscalationJoin')).toBe('Rejoindre');
  });

  it('gives the text of a template’s HTML', () => {
    expect(htmlToText('plain')).toBe('plain');
    expect(htmlToText('a &amp; b &lt;c&gt; &#x27;d&#x27; <b>bold</b>')).toBe("a & b <c> 'd' bold");
  });

  it('renders with Flex’s Template and the template Flex holds at render time, the plain string without them', () => {
    const templates: FlexTemplates = { VideoEscalationVideoOf: compile("{{name}}'s video") };
    const ui = { Template, templates: () => templates };
    const { rerender } = render(
      <UiScope ui={ui}>
        <p data-testid="text">
          <Str k="VideoEscalationVideoOf" vars={{ name: '<Ann>' }} />
        </p>
      </UiScope>,
    );
    const span = screen.getByTestId('text').firstElementChild as HTMLElement;
    expect(span.getAttribute('data-flex')).toBe('Template');
    expect(span.textContent).toBe("<Ann>'s video");
    templates.VideoEscalationVideoOf = compile('Vidéo de {{name}}');
    rerender(
      <UiScope ui={ui}>
        <p data-testid="text">
          <Str k="VideoEscalationVideoOf" vars={{ name: 'Ann' }} />
        </p>
      </UiScope>,
    );
    expect(screen.getByTestId('text').textContent).toBe('Vidéo de Ann');

    render(<FlexString k="VideoEscalationTabLabel" t={makeTranslate(() => ({ VideoEscalationTabLabel: 'Vidéo' }))} />);
    expect(screen.getByText('Vidéo')).toBeTruthy();
  });
});

describe('registerStrings', () => {
  it('assigns manager.strings once with the missing defaults (Flex’s setter compiles them) and keeps what is set', () => {
    let current: Record<string, string> = { VideoEscalationJoin: 'Rejoindre', Other: 'x' };
    const set = vi.fn((v: Record<string, string>) => {
      current = v;
    });
    const manager = {
      get strings() {
        return current;
      },
      set strings(v: Record<string, string>) {
        set(v);
      },
    };
    registerStrings(manager as { strings?: unknown });
    expect(set).toHaveBeenCalledTimes(1);
    expect(current.VideoEscalationJoin).toBe('Rejoindre');
    expect(current.Other).toBe('x');
    expect(current.VideoEscalationTabLabel).toBe(DEFAULT_STRINGS.VideoEscalationTabLabel);
    registerStrings(manager as { strings?: unknown });
    expect(set).toHaveBeenCalledTimes(1);
  });

  it('starts from nothing when Flex’s getter throws ("Strings not set")', () => {
    let assigned: Record<string, string> | undefined;
    const manager = {
      get strings(): Record<string, string> {
        if (!assigned) throw new Error('Strings not set');
        return assigned;
      },
      set strings(v: Record<string, string>) {
        assigned = v;
      },
    };
    registerStrings(manager as { strings?: unknown });
    expect(assigned?.VideoEscalationJoin).toBe('Join Video Room');
  });
});

describe('the Spanish strings', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]).sort();

  it('has every key of the English strings, and no other', () => {
    expect(Object.keys(ES_STRINGS).sort()).toEqual(Object.keys(DEFAULT_STRINGS).sort());
    for (const [key, text] of Object.entries(ES_STRINGS)) expect(text.trim(), key).not.toBe('');
  });

  it('keeps every placeholder of the English string, for every key', () => {
    for (const key of Object.keys(DEFAULT_STRINGS) as StringKey[]) {
      expect(placeholders(ES_STRINGS[key]), key).toEqual(placeholders(DEFAULT_STRINGS[key]));
    }
  });

  it('is the fallback of a Spanish Translate without Flex’s templates, the tenant’s strings first', () => {
    const t = makeTranslate(() => ({ VideoEscalationMute: 'Mudo' }), undefined, 'es');
    expect(t('VideoEscalationJoin')).toBe('Unirse a la sala de video');
    expect(t('VideoEscalationRejoining', { attempt: 2, max: 4 })).toBe('Se perdió la conexión: reconectando (intento 2 de 4)…');
    expect(t('VideoEscalationMute')).toBe('Mudo');
    // No language: English.
    expect(makeTranslate(() => undefined)('VideoEscalationJoin')).toBe('Join Video Room');
  });

  it('registerStrings registers the Spanish defaults for keys not set, the tenant’s own strings win', () => {
    const manager: { strings?: unknown } = { strings: { VideoEscalationJoin: 'Entrar a la videollamada' } };
    registerStrings(manager, 'es');
    const strings = manager.strings as Record<string, string>;
    expect(strings.VideoEscalationJoin).toBe('Entrar a la videollamada');
    expect(strings.VideoEscalationMute).toBe('Silenciar');
    expect(strings.VideoEscalationTakeSnapshot).toBe('Tomar foto');
    for (const key of Object.keys(DEFAULT_STRINGS)) expect(typeof strings[key], key).toBe('string');

    const english: { strings?: unknown } = {};
    registerStrings(english);
    expect((english.strings as Record<string, string>).VideoEscalationMute).toBe('Mute');
  });
});
