import { describe, expect, it } from 'vitest';
import { loadShellConfig } from './config.js';

describe('desktop app configuration', () => {
  it('has safe defaults: no server preset, updates off, 5 minutes to sign in', () => {
    expect(loadShellConfig({})).toEqual({ PARLEY_AUTO_UPDATE: false, PARLEY_SIGN_IN_TIMEOUT_SECONDS: 300 });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadShellConfig({ PARLEY_AUTO_UPDATE: 'maybe' })).toThrow(/PARLEY_AUTO_UPDATE is not valid/);
    expect(() => loadShellConfig({ PARLEY_SERVER_URL: 'parley' })).toThrow(/PARLEY_SERVER_URL is not valid/);
    expect(() => loadShellConfig({ PARLEY_SIGN_IN_TIMEOUT_SECONDS: '0' })).toThrow(/PARLEY_SIGN_IN_TIMEOUT_SECONDS/);
    expect(() => loadShellConfig({ PARLEY_UPDATE_FEED_URL: 'http://updates.example.org/' })).toThrow(/must be an https:\/\/ address/);
  });

  it('every variable is documented in infra/env.example', async () => {
    const { readFileSync } = await import('node:fs');
    const example = readFileSync(new URL('../../infra/env.example', import.meta.url), 'utf8');
    for (const name of ['PARLEY_SERVER_URL', 'PARLEY_AUTO_UPDATE', 'PARLEY_UPDATE_FEED_URL', 'PARLEY_SIGN_IN_TIMEOUT_SECONDS']) {
      expect(example, name).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
    }
  });
});
