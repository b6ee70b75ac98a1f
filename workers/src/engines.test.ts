import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LanguageCode } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { loadWorkerConfig } from './config.js';
import {
  ALL_LANGUAGES,
  chooseMtEngine,
  chooseSttEngine,
  engineTable,
  hasNeuralMt,
  marianRoute,
  modelsIn,
  mtEngineChooser,
  publishEngineTable,
  type ModelAvailability,
} from './engines.js';
import { catalogEntry } from './models/catalog.js';
import { PART_SUFFIX, modelState } from './models/inventory.js';
import type { MtEngine } from './mt/MtEngine.js';
import { RoutedMtEngine } from './mt/RoutedMtEngine.js';

function availability(opts: { whisper?: string[]; marian?: string[]; nllb?: boolean } = {}): ModelAvailability {
  return {
    whisper: (size) => opts.whisper?.includes(size) ?? false,
    marian: (from, to) => opts.marian?.includes(`${from}>${to}`) ?? false,
    nllb: () => opts.nllb ?? false,
  };
}

const nothing = availability();
const noApertium = (): boolean => false;
const apertiumEnEs = (from: LanguageCode, to: LanguageCode): boolean => (from === 'en' && to === 'es') || (from === 'es' && to === 'en');

describe('worker config for engines', () => {
  it('defaults to automatic choice, base Whisper on the CPU, and models-cache beside the checkout', () => {
    const config = loadWorkerConfig({});
    expect(config).toMatchObject({ STT_ENGINE: 'auto', MT_ENGINE: 'auto', MODEL_SIZE: 'base', DEVICE: 'cpu' });
    expect(config.MODELS_DIR).toMatch(/models-cache$/);
  });

  it('refuses unknown engines, sizes and devices, naming the variable', () => {
    expect(() => loadWorkerConfig({ STT_ENGINE: 'vosk' })).toThrow(/STT_ENGINE/);
    expect(() => loadWorkerConfig({ MT_ENGINE: 'google' })).toThrow(/MT_ENGINE/);
    expect(() => loadWorkerConfig({ MODEL_SIZE: 'huge' })).toThrow(/MODEL_SIZE/);
    expect(() => loadWorkerConfig({ DEVICE: 'tpu' })).toThrow(/DEVICE/);
  });

  it('resolves a relative MODELS_DIR and expands ~', () => {
    expect(loadWorkerConfig({ MODELS_DIR: 'rel/dir' }).MODELS_DIR).toBe(join(process.cwd(), 'rel/dir'));
    expect(loadWorkerConfig({ MODELS_DIR: '~/m' }).MODELS_DIR).not.toContain('~');
  });
});

describe('speech recognition choice', () => {
  it('auto takes Whisper when its weights are present, else pocketsphinx', () => {
    expect(chooseSttEngine('auto', 'base', availability({ whisper: ['base'] }))).toBe('whisper');
    expect(chooseSttEngine('auto', 'small', availability({ whisper: ['base'] }))).toBe('pocketsphinx');
    expect(chooseSttEngine('auto', 'base', nothing)).toBe('pocketsphinx');
  });

  it('an explicit choice stands even without weights (the engine then fails at start, saying why)', () => {
    expect(chooseSttEngine('whisper', 'base', nothing)).toBe('whisper');
    expect(chooseSttEngine('pocketsphinx', 'base', availability({ whisper: ['base'] }))).toBe('pocketsphinx');
  });
});

describe('translation choice', () => {
  it('routes Marian directly or through English', () => {
    const has = (from: LanguageCode, to: LanguageCode): boolean => ['fr>en', 'en>es', 'en>de'].includes(`${from}>${to}`);
    expect(marianRoute('en', 'es', has)).toEqual(['en', 'es']);
    expect(marianRoute('fr', 'de', has)).toEqual(['fr', 'en', 'de']);
    expect(marianRoute('es', 'fr', has)).toBeUndefined();
    expect(marianRoute('it', 'it', has)).toEqual(['it']);
  });

  it('auto prefers direct Marian, then NLLB, then Marian through English, then Apertium', () => {
    const all = availability({ marian: ['en>es', 'fr>en'], nllb: true });
    expect(chooseMtEngine('en', 'es', 'auto', all, noApertium)).toBe('marian');
    expect(chooseMtEngine('fr', 'es', 'auto', all, noApertium)).toBe('nllb');
    const noNllb = availability({ marian: ['en>es', 'fr>en'] });
    expect(chooseMtEngine('fr', 'es', 'auto', noNllb, noApertium)).toBe('marian');
    expect(chooseMtEngine('es', 'en', 'auto', noNllb, apertiumEnEs)).toBe('apertium');
    expect(chooseMtEngine('de', 'it', 'auto', noNllb, apertiumEnEs)).toBeUndefined();
  });

  it('an explicit engine serves only what it can', () => {
    const models = availability({ marian: ['en>es'], nllb: true });
    expect(chooseMtEngine('en', 'es', 'marian', models, apertiumEnEs)).toBe('marian');
    expect(chooseMtEngine('es', 'en', 'marian', models, apertiumEnEs)).toBeUndefined();
    expect(chooseMtEngine('de', 'it', 'nllb', models, noApertium)).toBe('nllb');
    expect(chooseMtEngine('de', 'it', 'nllb', nothing, noApertium)).toBeUndefined();
    expect(chooseMtEngine('es', 'en', 'apertium', models, apertiumEnEs)).toBe('apertium');
  });

  it('knows whether any neural translation weights are present', () => {
    expect(hasNeuralMt(nothing)).toBe(false);
    expect(hasNeuralMt(availability({ marian: ['en>es'] }))).toBe(true);
    expect(hasNeuralMt(availability({ nllb: true }))).toBe(true);
  });
});

describe('engineTable', () => {
  it('names the engines of every pair, as captions name them', () => {
    const table = engineTable({ name: 'pocketsphinx', languages: ['en'] }, (from, to) => chooseMtEngine(from, to, 'auto', nothing, apertiumEnEs));
    expect(Object.keys(table)).toHaveLength(ALL_LANGUAGES.length ** 2);
    expect(table['en>es']).toBe('pocketsphinx+apertium');
    expect(table['en>en']).toBe('pocketsphinx');
    expect(table['en>fr']).toBe('pocketsphinx+none');
    expect(table['es>en']).toBe('none');
  });

  it('is published to Redis as one hash, replacing the previous one', async () => {
    const redis = new Redis(inject('redisUrl'), { db: 9 });
    try {
      await redis.hset(REDIS_KEYS.engines, 'xx>yy', 'stale');
      const table = engineTable({ name: 'whisper', languages: ALL_LANGUAGES }, () => 'marian');
      await publishEngineTable(redis, table);
      const stored = await redis.hgetall(REDIS_KEYS.engines);
      expect(stored).toEqual(table);
      expect(stored['fr>de']).toBe('whisper+marian');
    } finally {
      redis.disconnect();
    }
  });

  it('takes Apertium pairs from a running apertium-apy, and none from one that is not there', async () => {
    const settings = { STT_ENGINE: 'auto', MT_ENGINE: 'auto', MODEL_SIZE: 'base', MODELS_DIR: '/nonexistent', APERTIUM_URL: inject('apertiumUrl') } as const;
    const live = await mtEngineChooser(settings, nothing);
    expect(live.apertiumReachable).toBe(true);
    expect(live.choose('en', 'es')).toBe('apertium');
    const gone = await mtEngineChooser({ ...settings, APERTIUM_URL: 'http://127.0.0.1:1' }, nothing);
    expect(gone.apertiumReachable).toBe(false);
    expect(gone.choose('en', 'es')).toBeUndefined();
  });
});

describe('models in MODELS_DIR', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-models-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true });
  });

  it('counts a model only when every file is in place', async () => {
    const entry = catalogEntry('opus-mt-en-es')!;
    expect(modelState(dir, entry)).toBe('absent');
    await mkdir(join(dir, entry.name, 'onnx'), { recursive: true });
    await writeFile(join(dir, entry.name, `${entry.files[0]!.path}${PART_SUFFIX}`), 'x');
    expect(modelState(dir, entry)).toBe('partial');
    for (const file of entry.files) await writeFile(join(dir, entry.name, file.path), '{}');
    expect(modelState(dir, entry)).toBe('complete');
    const models = modelsIn(dir);
    expect(models.marian('en', 'es')).toBe(true);
    expect(models.marian('es', 'en')).toBe(false);
    expect(models.nllb()).toBe(false);
  });
});

describe('RoutedMtEngine', () => {
  function fake(name: string): MtEngine & { closed: number } {
    return {
      name,
      closed: 0,
      supports: () => true,
      translate: async (text, _from, to) => `${name}:${to}:${text}`,
      async close() {
        this.closed += 1;
      },
    };
  }

  it('hands each pair to its engine and names it', async () => {
    const marian = fake('marian');
    const apertium = fake('apertium');
    const routed = new RoutedMtEngine(new Map([['en>es', marian], ['es>en', apertium]]));
    expect(await routed.translate('hi', 'en', 'es')).toBe('marian:es:hi');
    expect(await routed.translate('hola', 'es', 'en')).toBe('apertium:en:hola');
    expect(await routed.translate('same', 'fr', 'fr')).toBe('same');
    expect(routed.nameFor('en', 'es')).toBe('marian');
    expect(routed.nameFor('de', 'es')).toBe('none');
    await expect(routed.translate('x', 'de', 'es')).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/No translation engine serves de → es/) });
    await routed.close();
    await routed.close();
    expect(marian.closed + apertium.closed).toBe(2);
    await expect(routed.translate('hi', 'en', 'es')).rejects.toThrow(/closed/);
  });
});
