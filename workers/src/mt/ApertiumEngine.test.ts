import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApertiumEngine, cleanApertiumOutput } from './ApertiumEngine.js';
import { MtError } from './MtEngine.js';

describe('ApertiumEngine (real apertium-apy)', () => {
  let engine: ApertiumEngine;
  beforeAll(async () => {
    engine = await ApertiumEngine.connect({ url: inject('apertiumUrl') });
  });
  afterAll(() => engine.close());

  it('translates English to Spanish', async () => {
    const spanish = await engine.translate('he was not an ill disposed young man', 'en', 'es');
    expect(spanish).toMatch(/joven/);
    expect(spanish).toBe(cleanApertiumOutput(spanish));
    expect(cleanApertiumOutput('  #muro  más ')).toBe('muro más');
  });

  it('knows the installed pairs and routes', () => {
    expect(engine.supports('en', 'es')).toBe(true);
    expect(engine.supports('es', 'en')).toBe(true);
    expect(engine.route('en', 'en')).toEqual(['en']);
    expect(engine.supports('en', 'nl')).toBe(false);
  });

  it('refuses a pair with no route, as not retryable', async () => {
    const error = await engine.translate('hello', 'en', 'nl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtError);
    expect((error as MtError).retryable).toBe(false);
  });

  it('passes empty text through without a request', async () => {
    expect(await engine.translate('   ', 'en', 'es')).toBe('');
  });

  it('fails with a sentence when the server is not there', async () => {
    const error = await ApertiumEngine.connect({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtError);
    expect((error as Error).message).toMatch(/Cannot reach the Apertium server/);
  });
});
