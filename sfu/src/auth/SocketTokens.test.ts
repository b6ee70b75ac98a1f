import { describe, expect, it } from 'vitest';
import { ConfigError, loadSfuConfig } from '../config.js';
import { SocketTokens, TokenError, parseSigningKeys } from './SocketTokens.js';

const strong = 'k1:Zq3vR8xL2mN7pT4wY9bC6dF1gH5jK0sA';

describe('signing keys', () => {
  it('parses key ids and secrets; the first key signs', () => {
    expect(parseSigningKeys(`${strong}, k0:Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk1`).map((k) => k.kid)).toEqual(['k1', 'k0']);
  });

  it.each([
    ['', /at least one key/],
    ['nokid', /"<key id>:<secret>"/],
    ['k1:short', /shorter than 32/],
    ['k1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', /too few characters/],
    [`${strong},${strong}`, /unique/],
    ['bad kid!:Zq3vR8xL2mN7pT4wY9bC6dF1gH5jK0sA', /key id/],
  ])('refuses weak or malformed keys: %s', (value, message) => {
    expect(() => parseSigningKeys(value)).toThrow(message);
  });
});

describe('socket tokens', () => {
  const keys = parseSigningKeys(strong);

  it('round-trips a user and session, and expires', async () => {
    const tokens = new SocketTokens(keys, 300, 'parley');
    const { token, expiresAtMs } = await tokens.issue({ id: 'u1', name: 'Ana' }, 's1');
    expect(await tokens.verify(token)).toEqual({ userId: 'u1', sessionId: 's1', name: 'Ana', expiresAtMs });
    const expired = await new SocketTokens(keys, -1, 'parley').issue({ id: 'u1', name: 'Ana' }, 's1');
    await expect(tokens.verify(expired.token)).rejects.toThrow(/expired/);
  });

  it('never takes one kind of token for another, nor garbage', async () => {
    const desktop = await new SocketTokens(keys, 300, 'parley', 'parley:desktop').issue({ id: 'u1', name: 'Ana' }, 's1');
    const socket = new SocketTokens(keys, 300, 'parley', 'parley:socket');
    await expect(socket.verify(desktop.token)).rejects.toBeInstanceOf(TokenError);
    await expect(socket.verify('not.a.token')).rejects.toThrow(/not valid/);
    await expect(new SocketTokens(keys, 300, 'other-issuer').verify((await socket.issue({ id: 'u', name: '' }, 's')).token)).rejects.toThrow(/not valid/);
  });
});

describe('auth configuration', () => {
  it('is off by default: guests, no keys needed', () => {
    expect(loadSfuConfig({}).AUTH).toBe('off');
  });

  it('with AUTH=oidc, names every missing or weak setting', () => {
    expect(() => loadSfuConfig({ AUTH: 'oidc' })).toThrow(ConfigError);
    try {
      loadSfuConfig({ AUTH: 'oidc', AUTH_SECRET: 'too-short', TOKEN_SIGNING_KEYS: 'k1:weak' });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['AUTH_GOOGLE_ID', 'AUTH_GOOGLE_SECRET', 'AUTH_SECRET: AUTH_SECRET must be at least 32', 'TOKEN_SIGNING_KEYS: the secret of key "k1"']) {
        expect(message).toContain(name);
      }
    }
    expect(
      loadSfuConfig({
        AUTH: 'oidc',
        AUTH_GOOGLE_ID: 'id',
        AUTH_GOOGLE_SECRET: 'secret',
        AUTH_SECRET: 'Zq3vR8xL2mN7pT4wY9bC6dF1gH5jK0sA',
        TOKEN_SIGNING_KEYS: strong,
      }).OIDC_ISSUER,
    ).toBe('https://accounts.google.com');
  });
});
