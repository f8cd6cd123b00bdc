import { describe, expect, it } from 'vitest';
import appConfigExample from '../public/appConfig.example.js?raw';
import { readConfig } from '../src/config';

describe('public/appConfig.example.js (local development with the Flex Plugins CLI)', () => {
  it('is the script the CLI serves as public/appConfig.js: a global appConfig in the CLI’s shape, with the plugin’s settings', () => {
    // The Flex page loads appConfig.js as a classic script declaring `var appConfig`.
    const appConfig = new Function(`${appConfigExample}\nreturn appConfig;`)() as Record<string, any>;
    expect(appConfig.pluginService).toEqual({ enabled: true, url: '/plugins' });
    expect(typeof appConfig.logLevel).toBe('string');
    const config = readConfig({ appConfig });
    expect(config.ok).toBe(true);
    expect(config.ok && config.config).toMatchObject({ serviceBaseUrl: 'http://127.0.0.1:8080', endVideoOnTaskEnd: true, whenTaskHidden: 'keep-audio', language: 'en' });
  });
});
