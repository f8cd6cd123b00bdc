/**
 * The plugin's configuration, read at start-up without a rebuild:
 * Flex's UI attributes (`ui_attributes.videoEscalation`, set per Flex
 * instance with the Flex Configuration API) first, then `appConfig.videoEscalation`
 * (public/appConfig.js, for local development) for whatever is not set there.
 */
export interface PluginConfig {
  /** e.g. `https://video.example.com`; no trailing slash. */
  serviceBaseUrl: string;
  /** The contact center's id in the service. */
  contactCenterId: string;
  /** End the escalation (room and customer code) when the task is wrapped up or completed; default true. */
  endVideoOnTaskEnd: boolean;
}

export type ConfigResult = { ok: true; config: PluginConfig } | { ok: false; errors: string[] };

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

const CONTACT_CENTER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function readConfig(sources: { uiAttributes?: unknown; appConfig?: unknown }): ConfigResult {
  const primary = section(sources.uiAttributes);
  const fallback = section(sources.appConfig);
  const errors: string[] = [];

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

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { serviceBaseUrl, contactCenterId, endVideoOnTaskEnd: rawEnd !== false } };
}
