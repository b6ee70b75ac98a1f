import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotFoundError } from '../models/localModels.js';
import { MarianEngine } from './MarianEngine.js';
import { MtError } from './MtEngine.js';
import { maxNewTokensFor } from './seq2seq.js';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/models/tiny-marian-en-es', import.meta.url));

describe('maxNewTokensFor', () => {
  it('grows with the input and stops at the cap', () => {
    expect(maxNewTokensFor(5, { perInputToken: 2, extra: 8, cap: 512 })).toBe(18);
    expect(maxNewTokensFor(1_000, { perInputToken: 2, extra: 8, cap: 512 })).toBe(512);
  });
});

describe('MarianEngine (tiny random-weight fixture)', () => {
  let engine: MarianEngine;

  beforeAll(async () => {
    // The same fixture stands in for fr→en as well, to exercise the route through English.
    engine = await MarianEngine.create({ pairDirs: { 'en>es': FIXTURE, 'fr>en': FIXTURE } });
  });

  afterAll(async () => {
    await engine.close();
  });

  it('routes directly, through English, or not at all', () => {
    expect(engine.route('en', 'es')).toEqual(['en', 'es']);
    expect(engine.route('fr', 'es')).toEqual(['fr', 'en', 'es']);
    expect(engine.route('es', 'en')).toBeUndefined();
    expect(engine.supports('fr', 'es')).toBe(true);
    expect(engine.supports('de', 'es')).toBe(false);
  });

  it('translates, with max_new_tokens bounded by the input length', async () => {
    const hop = await engine.translateHop('Where is the station?', 'en', 'es');
    expect(typeof hop.text).toBe('string');
    expect(hop.inputTokens).toBeGreaterThan(1);
    expect(hop.maxNewTokens).toBe(hop.inputTokens * 2 + 8);
    expect(hop.outputTokens).toBeGreaterThan(0);
    expect(hop.outputTokens).toBeLessThanOrEqual(hop.maxNewTokens);
  });

  it('translates through English in two hops', async () => {
    expect(typeof (await engine.translate('Bonjour.', 'fr', 'es'))).toBe('string');
  });

  it('passes empty text and same-language text through without a model call', async () => {
    expect(await engine.translate('', 'en', 'es')).toBe('');
    expect(await engine.translate('hello', 'en', 'en')).toBe('hello');
  });

  it('refuses a pair it has no route for, as not worth retrying', async () => {
    const refusal = engine.translate('hola', 'es', 'en');
    await expect(refusal).rejects.toBeInstanceOf(MtError);
    await expect(refusal).rejects.toMatchObject({ retryable: false });
  });

  it('fails with the pull command when MODELS_DIR has no Opus-MT model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'parley-models-'));
    try {
      const missing = MarianEngine.create({ modelsDir: empty });
      await expect(missing).rejects.toBeInstanceOf(ModelNotFoundError);
      await expect(missing).rejects.toThrow(/npm run models -- pull opus-mt-/);
    } finally {
      await rm(empty, { recursive: true });
    }
  });

  it('closes idempotently and refuses translations afterwards', async () => {
    const other = await MarianEngine.create({ pairDirs: { 'en>es': FIXTURE } });
    await other.preload('en', 'es');
    await other.close();
    await other.close();
    await expect(other.translate('hello', 'en', 'es')).rejects.toThrow(/Marian engine has been closed/);
  });
});
