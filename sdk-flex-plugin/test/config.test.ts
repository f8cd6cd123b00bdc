import { describe, expect, it } from 'vitest';
import { configuredLanguage, readConfig } from '../src/config';
import { CC } from './helpers';

const ui = (videoEscalation: unknown) => ({ uiAttributes: { videoEscalation } });

describe('readConfig', () => {
  it('reads serviceBaseUrl and contactCenterId from the Flex UI attributes', () => {
    const r = readConfig(ui({ serviceBaseUrl: 'https://video.example.com/', contactCenterId: CC }));
    expect(r).toEqual({
      ok: true,
      config: {
        enabled: true,
        serviceBaseUrl: 'https://video.example.com',
        contactCenterId: CC,
        endVideoOnTaskEnd: true,
        whenTaskHidden: 'keep-audio',
        language: 'en',
      },
    });
  });

  it('keeps a path prefix of the base URL', () => {
    const r = readConfig(ui({ serviceBaseUrl: 'https://example.com/escalate', contactCenterId: CC }));
    expect(r.ok && r.config.serviceBaseUrl).toBe('https://example.com/escalate');
  });

  it('falls back to appConfig per field, UI attributes first', () => {
    const r = readConfig({
      uiAttributes: { videoEscalation: { contactCenterId: CC } },
      appConfig: { videoEscalation: { serviceBaseUrl: 'http://localhost:8080', contactCenterId: 'other' } },
    });
    expect(r).toMatchObject({ ok: true, config: { serviceBaseUrl: 'http://localhost:8080', contactCenterId: CC } });
  });

  it('tells "not configured" (no settings at all) from "disabled" and from malformed', () => {
    expect(readConfig({})).toEqual({ ok: false, reason: 'not-configured', errors: [] });
    expect(readConfig({ uiAttributes: { other: 1 }, appConfig: { videoEscalation: {} } })).toMatchObject({ reason: 'not-configured' });
    expect(readConfig(ui({ enabled: false, serviceBaseUrl: 'https://v.example.com' }))).toEqual({
      ok: false,
      reason: 'disabled',
      errors: [],
    });
    expect(readConfig(ui({ enabled: 'no' }))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(readConfig(ui({ enabled: true, serviceBaseUrl: 'https://v.example.com', contactCenterId: CC }))).toMatchObject({
      ok: true,
      config: { enabled: true },
    });
  });

  it('reads whenTaskHidden (default keep-audio) and rejects other values', () => {
    const base = { serviceBaseUrl: 'https://v.example.com', contactCenterId: CC };
    expect(readConfig(ui({ ...base, whenTaskHidden: 'mute-agent' }))).toMatchObject({ ok: true, config: { whenTaskHidden: 'mute-agent' } });
    expect(readConfig(ui(base))).toMatchObject({ ok: true, config: { whenTaskHidden: 'keep-audio' } });
    expect(readConfig(ui({ ...base, whenTaskHidden: 'hold' }))).toEqual({
      ok: false,
      reason: 'invalid',
      errors: ['videoEscalation.whenTaskHidden must be one of "keep-audio", "mute-agent"'],
    });
  });

  it('reads language (default en), UI attributes first, and rejects other values', () => {
    const base = { serviceBaseUrl: 'https://v.example.com', contactCenterId: CC };
    expect(readConfig(ui(base))).toMatchObject({ ok: true, config: { language: 'en' } });
    expect(readConfig(ui({ ...base, language: 'es' }))).toMatchObject({ ok: true, config: { language: 'es' } });
    expect(readConfig(ui({ ...base, language: 'en' }))).toMatchObject({ ok: true, config: { language: 'en' } });
    expect(
      readConfig({ uiAttributes: { videoEscalation: { ...base, language: 'es' } }, appConfig: { videoEscalation: { language: 'en' } } }),
    ).toMatchObject({ ok: true, config: { language: 'es' } });
    expect(readConfig({ uiAttributes: { videoEscalation: base }, appConfig: { videoEscalation: { language: 'es' } } })).toMatchObject({
      ok: true,
      config: { language: 'es' },
    });
    for (const language of ['fr', 'ES', 'es-MX', 1, true]) {
      expect(readConfig(ui({ ...base, language })), String(language)).toEqual({
        ok: false,
        reason: 'invalid',
        errors: ['videoEscalation.language must be one of "en", "es"'],
      });
    }
  });

  it('gives the configured language even when the configuration is not usable, else en', () => {
    expect(configuredLanguage(ui({ language: 'es' }))).toBe('es');
    expect(configuredLanguage({ appConfig: { videoEscalation: { language: 'es' } } })).toBe('es');
    expect(configuredLanguage(ui({ language: 'fr' }))).toBe('en');
    expect(configuredLanguage({})).toBe('en');
  });

  it('names every missing setting of a present configuration', () => {
    expect(readConfig(ui({ endVideoOnTaskEnd: true }))).toEqual({
      ok: false,
      reason: 'invalid',
      errors: ['videoEscalation.serviceBaseUrl is missing', 'videoEscalation.contactCenterId is missing'],
    });
    expect(readConfig(ui({ serviceBaseUrl: '  ', contactCenterId: '' })).ok).toBe(false);
  });

  it('rejects malformed values', () => {
    const bad = [
      { serviceBaseUrl: 'video.example.com', contactCenterId: CC },
      { serviceBaseUrl: 'ftp://video.example.com', contactCenterId: CC },
      { serviceBaseUrl: 'https://video.example.com/?x=1', contactCenterId: CC },
      { serviceBaseUrl: 'https://video.example.com', contactCenterId: '../admin' },
      { serviceBaseUrl: 'https://video.example.com', contactCenterId: CC, endVideoOnTaskEnd: 'yes' },
    ];
    for (const c of bad) {
      const r = readConfig(ui(c));
      expect(r.ok, JSON.stringify(c)).toBe(false);
    }
  });

  it('reads endVideoOnTaskEnd', () => {
    const r = readConfig(ui({ serviceBaseUrl: 'https://v.example.com', contactCenterId: CC, endVideoOnTaskEnd: false }));
    expect(r.ok && r.config.endVideoOnTaskEnd).toBe(false);
  });
});
