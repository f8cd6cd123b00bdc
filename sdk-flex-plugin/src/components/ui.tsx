/**
 * Flex's own components for the plugin's buttons and texts, and the palette
 * of Flex's theme for everything else.
 *
 * The components come from the `flex` object Flex hands the plugin at init
 * (`flex.Button`, `flex.IconButton`: Flex 2.x's Paste-styled buttons, which
 * follow its light or dark theme by themselves; `flex.Template` and
 * `flex.templates`: Flex's strings). They are not imported here:
 * `@twilio/flex-ui` is the page's `Twilio.Flex` at run time, so nothing of
 * them is bundled, and without them (tests, a page without Flex) a plain
 * `<button>` styled from the palette, and the plain string, stand in.
 */
import React, { createContext, useContext, useMemo } from 'react';
import { defaultTranslate, flexTemplateOf, type FlexTemplates, type StringKey, type StringVars, type Translate } from '../strings';
import { buttonStyle, paletteOf, type ButtonVariant, type Palette, type ThemeLike } from './theme';

/** What of Flex's component library the plugin uses (all optional). */
export interface FlexUi {
  /** `Button` of `@twilio/flex-ui` (variants primary, secondary, destructive). */
  Button?: React.ComponentType<any>;
  /** `IconButton` of `@twilio/flex-ui` (`icon`: a Flex icon name or an element). */
  IconButton?: React.ComponentType<any>;
  /** `Template` of `@twilio/flex-ui`: renders a compiled string (`source`) with its other props as the context. */
  Template?: React.ComponentType<any>;
  /** `templates` of `@twilio/flex-ui`, read at render time (Flex compiles them when `manager.strings` is set). */
  templates?: () => FlexTemplates | undefined;
}

/** Picks Flex's Button, IconButton, Template and templates out of the Flex global, where they are. */
export function flexUiOf(flex: unknown): FlexUi {
  const object = (flex ?? {}) as Record<string, unknown>;
  // Read defensively: a module namespace without the name (a test's partial Flex) throws; the page's Flex does not.
  const read = (name: string): unknown => {
    try {
      return object[name];
    } catch {
      return undefined;
    }
  };
  const f = { Button: read('Button'), IconButton: read('IconButton'), Template: read('Template'), templates: read('templates') };
  const component = (v: unknown) =>
    typeof v === 'function' || (typeof v === 'object' && v !== null && '$$typeof' in (v as object))
      ? (v as React.ComponentType<any>)
      : undefined;
  const hasTemplates = typeof f.templates === 'object' && f.templates !== null;
  return {
    Button: component(f.Button),
    IconButton: component(f.IconButton),
    Template: component(f.Template),
    // Not the object itself: Flex's export is a getter, read it each time.
    templates: hasTemplates ? () => read('templates') as FlexTemplates | undefined : undefined,
  };
}

interface UiValue {
  ui: FlexUi;
  palette: Palette;
  /** The plain-string reading of the plugin's strings (where Flex's Template cannot be used). */
  t: Translate;
}

const UiContext = createContext<UiValue>({ ui: {}, palette: paletteOf(undefined), t: defaultTranslate });

/** Provides Flex's components, the theme's palette and the strings to the plugin's elements below. */
export function UiScope({
  ui,
  theme,
  t,
  children,
}: {
  ui?: FlexUi;
  theme?: ThemeLike;
  t?: Translate;
  children?: React.ReactNode;
}): JSX.Element {
  const value = useMemo(() => ({ ui: ui ?? {}, palette: paletteOf(theme), t: t ?? defaultTranslate }), [ui, theme, t]);
  return <UiContext.Provider value={value}>{children}</UiContext.Provider>;
}

/**
 * One of the plugin's strings as Flex shows its own: Flex's `Template` with
 * the compiled template Flex holds for the key *now* (so a string set again
 * later shows at the next render) and `vars` as its context. Where Flex gave
 * no Template or has no template for the key, the plain string.
 */
export function Str({ k, vars }: { k: StringKey; vars?: StringVars }): JSX.Element {
  const { ui, t } = useUi();
  const source = ui.Template ? flexTemplateOf(ui.templates, k) : undefined;
  if (ui.Template && source) {
    const FlexTemplate = ui.Template;
    return <FlexTemplate source={source} {...(vars ?? {})} />;
  }
  return <>{t(k, vars)}</>;
}

/**
 * A string as an element, outside any UiScope (e.g. a tab's label, which Flex
 * renders in the tab bar): Flex's Template and templates are given here.
 */
export function FlexString({ ui, t, k, vars }: { ui?: FlexUi; t?: Translate; k: StringKey; vars?: StringVars }): JSX.Element {
  return (
    <UiScope ui={ui} t={t}>
      <Str k={k} vars={vars} />
    </UiScope>
  );
}

export function useUi(): UiValue {
  return useContext(UiContext);
}

export interface ActionButtonProps {
  variant?: ButtonVariant;
  onClick?: () => void;
  disabled?: boolean;
  busy?: boolean;
  children?: React.ReactNode;
  title?: string;
  'aria-label'?: string;
  'data-testid'?: string;
}

/**
 * A text button: Flex's Button when Flex gave one, else a `<button>`. Always
 * a plain button, never a toggle (no aria-pressed): its label says what a
 * press does ("Mute" / "Unmute").
 */
export function ActionButton({ variant = 'secondary', onClick, disabled, busy, children, ...rest }: ActionButtonProps): JSX.Element {
  const { ui, palette } = useUi();
  // Flex's Button marks a disabled button aria-disabled and keeps it
  // focusable; the handlers here ignore clicks while disabled either way.
  const click = () => {
    if (!disabled) onClick?.();
  };
  if (ui.Button) {
    const FlexButton = ui.Button;
    return (
      <FlexButton
        type="button"
        variant={variant}
        onClick={click}
        disabled={disabled}
        aria-busy={busy || undefined}
        data-variant={variant}
        {...rest}
      >
        {children}
      </FlexButton>
    );
  }
  return (
    <button
      type="button"
      style={{ ...buttonStyle(palette, variant), ...(disabled ? { opacity: 0.6, cursor: 'default' } : {}) }}
      onClick={click}
      disabled={disabled}
      aria-busy={busy || undefined}
      data-variant={variant}
      {...rest}
    >
      {children}
    </button>
  );
}
