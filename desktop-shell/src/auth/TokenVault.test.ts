import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSafeStorage } from '../testing/FakeElectron.js';
import { TokenVault, type StoredSignIn } from './TokenVault.js';

const SIGN_IN: StoredSignIn = {
  serverOrigin: 'https://parley.example.org',
  refreshToken: 'refresh-7hQ2mX9vR1sT6uW3yB8nK5jL0aE-secret',
  user: { id: 'u1', name: 'Ana', email: 'ana@example.org' },
};

describe('token vault on safeStorage (Electron’s APIs injected: the Electron binary cannot run here)', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-vault-'));
    file = join(dir, 'sign-in.bin');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a sign-in through an encrypted file that holds no token in clear', () => {
    const storage = new FakeSafeStorage();
    expect(new TokenVault(storage, file).save(SIGN_IN)).toBe(true);
    const raw = readFileSync(file);
    expect(raw.includes(Buffer.from(SIGN_IN.refreshToken))).toBe(false);
    expect(raw.includes(Buffer.from('ana@example.org'))).toBe(false);
    // A new run (a new vault on the same file and the same OS key) reads it back.
    expect(new TokenVault(storage, file).load()).toEqual(SIGN_IN);
  });

  it('clears the file and the memory on sign-out', () => {
    const storage = new FakeSafeStorage();
    const vault = new TokenVault(storage, file);
    vault.save(SIGN_IN);
    vault.clear();
    expect(existsSync(file)).toBe(false);
    expect(vault.load()).toBeUndefined();
    expect(new TokenVault(storage, file).load()).toBeUndefined();
  });

  it('keeps the sign-in in memory only, never in clear on disk, where encryption is unavailable', () => {
    const storage = new FakeSafeStorage();
    storage.available = false;
    const vault = new TokenVault(storage, file);
    expect(vault.save(SIGN_IN)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(vault.load()).toEqual(SIGN_IN);
    expect(new TokenVault(storage, file).load()).toBeUndefined();
  });

  it('forgets a file another key wrote (another Windows account) or that was damaged', () => {
    new TokenVault(new FakeSafeStorage(), file).save(SIGN_IN);
    expect(new TokenVault(new FakeSafeStorage(), file).load()).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, 'not encrypted at all');
    expect(new TokenVault(new FakeSafeStorage(), file).load()).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to keep a malformed sign-in', () => {
    const vault = new TokenVault(new FakeSafeStorage(), file);
    expect(() => vault.save({ ...SIGN_IN, refreshToken: '' })).toThrow();
    expect(existsSync(file)).toBe(false);
  });
});
