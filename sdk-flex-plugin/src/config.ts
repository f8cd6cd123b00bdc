/**
 * The plugin's configuration, read at start-up without a rebuild:
 * Flex's UI attributes (`ui_attributes.videoEscalation`, set per Flex
 * instance with the Flex Configuration API) first, then `appConfig.videoEscalation`
 * (public/appConfig.js, for local development) for whatever is not set there.
 */
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from './strings';

export interface PluginConfig {
  /** Always true here: `enabled: false` (or no settings at all) means the plugin adds nothing. */
  enabled: true;
  /** e.g. `https://video.example.com`; no trailing slash. */
  serviceBaseUrl: string;
  /** The contact center's id in the service. */
  contactCenterId: string;
  /** End the escalation (room and customer code) when the task ends (wrap-up, completed, canceled, transferred away…); default true. */
  endVideoOnTaskEnd: boolean;
  /**
   * While the agent looks at another task during a call: `keep-audio` (default)
   * keeps the customer's audio playing and the agent's microphone as it was;
   * `mute-agent` also mutes the agent's microphone until they come back to the task.
   */
  whenTaskHidden: WhenTaskHidden;
  /**
   * The language of the plugin's own strings (the contact center's locale, written by
   * the service when it installs the plugin): `en` (default) or `es`. A tenant's own
   * `manager.strings` entries still win.
   */
  language: Language;
}

export type WhenTaskHidden = 'keep-audio' | 'mute-agent';
export const WHEN_TASK_HIDDEN: readonly WhenTaskHidden[] = ['keep-audio', 'mute-agent'];

/**
 * `not-configured`: no `videoEscalation` settings at all (the plugin stays out of
 * the way); `disabled`: `enabled: false`; `invalid`: present but malformed (`errors` name the settings).
 */
export type ConfigResult =
  | { ok: true; config: PluginConfig }
  | { ok: false; reason: 'not-configured' | 'disabled' | 'invalid'; errors: string[] };

export const CONFIG_KEY = 'videoEscalation';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function section(source: unknown): Record<string, unknown> {
  if (!isRecord(source)) return {};
  const s = source[CONFIG_KEY];
  return isRecord(s) ? s : {};
}

function pick(key: string, ...sources: Record<string, unknown>[]): unknown {
  for (const s of sources) {
    const v = s[key];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function isLanguage(v: unknown): v is Language {
  return LANGUAGES.includes(v as Language);
}

/**
 * The configured language where it is a valid one, else English: for the
 * plugin's strings when the configuration as a whole is not usable (the
 * "not configured" notification is still said in the contact center's language).
 */
export function configuredLanguage(sources: { uiAttributes?: unknown; appConfig?: unknown }): Language {
  const raw = pick('language', section(sources.uiAttributes), section(sources.appConfig));
  return isLanguage(raw) ? raw : DEFAULT_LANGUAGE;
}

const CONTACT_CENTER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function readConfig(sources: { uiAttributes?: unknown; appConfig?: unknown }): ConfigResult {
  const primary = section(sources.uiAttributes);
  const fallback = section(sources.appConfig);
  const errors: string[] = [];

  if (Object.keys(primary).length === 0 && Object.keys(fallback).length === 0) {
    return { ok: false, reason: 'not-configured', errors: [] };
  }
  const rawEnabled = pick('enabled', primary, fallback);
  if (rawEnabled !== undefined && typeof rawEnabled !== 'boolean') {
    return { ok: false, reason: 'invalid', errors: [`${CONFIG_KEY}.enabled must be true or false`] };
  }
  if (rawEnabled === false) return { ok: false, reason: 'disabled', errors: [] };

  const rawUrl = pick('serviceBaseUrl', primary, fallback);
  let serviceBaseUrl = '';
  if (typeof rawUrl !== 'string' || rawUrl.trim() === '') {
    errors.push(`${CONFIG_KEY}.serviceBaseUrl is missing`);
  } else {
    try {
      const url = new URL(rawUrl.trim());
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        errors.push(`${CONFIG_KEY}.serviceBaseUrl must be an http(s) URL`);
      } else if (url.search || url.hash) {
        errors.push(`${CONFIG_KEY}.serviceBaseUrl must not have a query or fragment`);
      } else {
        serviceBaseUrl = url.toString().replace(/\/+$/, '');
      }
    } catch {
      errors.push(`${CONFIG_KEY}.serviceBaseUrl is not a valid URL`);
    }
  }

  const rawCc = pick('contactCenterId', primary, fallback);
  let contactCenterId = '';
  if (typeof rawCc !== 'string' || rawCc.trim() === '') {
    errors.push(`${CONFIG_KEY}.contactCenterId is missing`);
  } else if (!CONTACT_CENTER_ID.test(rawCc.trim())) {
    errors.push(`${CONFIG_KEY}.contactCenterId must be the contact center's id (letters, digits, - and _)`);
  } else {
    contactCenterId = rawCc.trim();
  }

  const rawEnd = pick('endVideoOnTaskEnd', primary, fallback);
  if (rawEnd !== undefined && typeof rawEnd !== 'boolean') {
    errors.push(`${CONFIG_KEY}.endVideoOnTaskEnd must be true or false`);
  }

  const rawHidden = pick('whenTaskHidden', primary, fallback);
  if (rawHidden !== undefined && !WHEN_TASK_HIDDEN.includes(rawHidden as WhenTaskHidden)) {
    errors.push(`${CONFIG_KEY}.whenTaskHidden must be one of ${WHEN_TASK_HIDDEN.map((v) => `"${v}"`).join(', ')}`);
  }

  const rawLanguage = pick('language', primary, fallback);
  if (rawLanguage !== undefined && !isLanguage(rawLanguage)) {
    errors.push(`${CONFIG_KEY}.language must be one of ${LANGUAGES.map((v) => `"${v}"`).join(', ')}`);
  }

  if (errors.length > 0) return { ok: false, reason: 'invalid', errors };
  return {
    ok: true,
    config: {
      enabled: true,
      serviceBaseUrl,
      contactCenterId,
      endVideoOnTaskEnd: rawEnd !== false,
      whenTaskHidden: (rawHidden as WhenTaskHidden | undefined) ?? 'keep-audio',
      language: (rawLanguage as Language | undefined) ?? DEFAULT_LANGUAGE,
    },
  };
}
