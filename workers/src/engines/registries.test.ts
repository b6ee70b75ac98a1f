import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LanguageCode } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { loadWorkerConfig, type WorkerConfig } from '../config.js';
import { catalogEntry, catalogOf } from '../models/catalog.js';
import { PART_SUFFIX, modelState } from '../models/inventory.js';
import { runModelsCommand } from '../models/modelsCommand.js';
import type { MtEngine } from '../mt/MtEngine.js';
import type { MtEngineDefinition } from '../mt/MtEngineDefinition.js';
import { mtEngines } from '../mt/mtEngines.js';
import { RoutedMtEngine } from '../mt/RoutedMtEngine.js';
import type { SttEngine } from '../stt/SttEngine.js';
import type { SttEngineDefinition } from '../stt/SttEngineDefinition.js';
import { sttEngines } from '../stt/sttEngines.js';
import { chooseSttEngine, prepareMtEngines } from './choosers.js';
import { EngineRegistry } from './EngineRegistry.js';
import { ALL_LANGUAGES, engineTable, publishEngineTable } from './engineTable.js';
import type { ModelShelf } from './ModelShelf.js';
import { startMtEngine, startSttEngine } from './startEngines.js';

const log = { info() {}, warn() {} };
/** A shelf holding exactly the named models. */
function shelf(...names: string[]): ModelShelf {
  return { complete: (name) => names.includes(name), dir: (name) => `/models/${name}` };
}
function config(env: NodeJS.ProcessEnv = {}): WorkerConfig {
  return loadWorkerConfig({ APERTIUM_URL: 'http://127.0.0.1:1', MODELS_DIR: '/nonexistent', ...env });
}

/** A made-up speech engine, whole in a few lines: what a new engine's file holds. */
const echoStt: SttEngineDefinition = {
  name: 'echo',
  languages: ['fr', 'de'],
  models: [{ name: 'echo-small', engine: 'echo', repo: 'parley/echo-small', revision: 'main', files: [{ path: 'weights.bin' }], approxMegabytes: 1, description: 'Echo test recogniser' }],
  punctuates: true,
  autoRank: 100,
  missing: ({ models }) => (models.complete('echo-small') ? undefined : 'Pull echo-small.'),
  create: async (): Promise<SttEngine> => ({
    name: 'echo',
    languages: ['fr', 'de'],
    open: () => ({ write: async () => {}, partial: async () => '', finish: async () => 'écho', close() {} }),
    close: async () => {},
  }),
};

/** A made-up translation engine serving French → German only. */
const shoutMt: MtEngineDefinition = {
  name: 'shout',
  languages: ['fr', 'de'],
  models: [],
  prepare: async () => ({
    route: (from, to) => (from === 'fr' && to === 'de' ? { quality: 10 } : undefined),
    create: async (): Promise<MtEngine> => ({ name: 'shout', supports: () => true, translate: async (text) => text.toUpperCase(), close: async () => {} }),
  }),
};

describe('engine registries', () => {
  it('list every engine once, with its languages written in one place', () => {
    expect(sttEngines().names).toEqual(['whisper', 'pocketsphinx']);
    expect(mtEngines().names).toEqual(['marian', 'nllb', 'apertium']);
    expect(sttEngines().get('pocketsphinx')!.languages).toEqual(['en']);
    expect(sttEngines().get('whisper')!.languages).toEqual(ALL_LANGUAGES);
    expect(mtEngines().get('nllb')!.languages).toEqual(ALL_LANGUAGES);
  });

  it('refuse a second engine of the same name, reserved names and unknown languages', () => {
    expect(() => sttEngines().register({ ...echoStt, name: 'whisper' })).toThrow(/named "whisper" is registered already/);
    expect(() => sttEngines().register({ ...echoStt, name: 'auto' })).toThrow(/not "auto" or "none"/);
    expect(() => sttEngines().register({ ...echoStt, languages: ['xx' as LanguageCode] })).toThrow(/must serve at least one of Parley's languages/);
    expect(() => sttEngines().require('vosk')).toThrow(/no speech recognition engine named "vosk"; the choices are auto, whisper, pocketsphinx/);
  });

  it('make the pullable catalogue from every engine’s models', () => {
    const names = catalogOf(sttEngines(), mtEngines()).map((e) => e.name);
    expect(names).toContain('whisper-base');
    expect(names).toContain('opus-mt-en-es');
    expect(names).toContain('nllb-200-distilled-600M');
    expect(catalogEntry('whisper-tiny')!.engine).toBe('whisper');
  });

  it('take a new engine with one registration: settings, choosers, startup, engine table and the models command all see it', async () => {
    const stt = sttEngines().register(echoStt);
    const mt = mtEngines().register(shoutMt);
    const engines = { stt, mt };
    // Settings accept it.
    expect(() => loadWorkerConfig({ STT_ENGINE: 'echo' })).toThrow(/STT_ENGINE/);
    const settings = loadWorkerConfig({ STT_ENGINE: 'auto', APERTIUM_URL: 'http://127.0.0.1:1', MODELS_DIR: '/nonexistent' }, engines);
    expect(loadWorkerConfig({ MT_ENGINE: 'shout' }, engines).MT_ENGINE).toBe('shout');
    // auto picks it once its weights are there (it ranks above the others).
    expect(chooseSttEngine({ config: settings, models: shelf(), log }, stt).name).toBe('pocketsphinx');
    const context = { config: settings, models: shelf('echo-small'), log };
    const { definition, engine } = await startSttEngine(context, stt);
    expect(definition.name).toBe('echo');
    expect(engine.languages).toEqual(['fr', 'de']);
    // Translation: chosen for its pair, started, and named in the table rooms get.
    const choice = await prepareMtEngines(context, mt);
    expect(choice.choose('fr', 'de')).toBe('shout');
    const table = engineTable(definition, choice.choose);
    expect(table['fr>de']).toBe('echo+shout');
    expect(table['en>es']).toBe('none');
    const started = await startMtEngine(context, mt);
    expect(await started.engine.translate('bonjour', 'fr', 'de')).toBe('BONJOUR');
    await started.engine.close();
    // The models command lists its model and uses it.
    const dir = await mkdtemp(join(tmpdir(), 'parley-fake-engine-'));
    try {
      await mkdir(join(dir, 'echo-small'));
      await writeFile(join(dir, 'echo-small', 'weights.bin'), 'x');
      const stdout: string[] = [];
      const code = await runModelsCommand(['list'], { env: { MODELS_DIR: dir, APERTIUM_URL: 'http://127.0.0.1:1' }, stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: () => true }, engines });
      expect(code).toBe(0);
      expect(stdout.join('')).toMatch(/echo-small +complete/);
      expect(stdout.join('')).toMatch(/\n {2}fr {2}echo\+none +echo\+none +echo +echo\+shout/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('speech recognition choice', () => {
  it('auto takes Whisper when the MODEL_SIZE weights are present, else pocketsphinx', () => {
    const stt = sttEngines();
    expect(chooseSttEngine({ config: config(), models: shelf('whisper-base'), log }, stt).name).toBe('whisper');
    expect(chooseSttEngine({ config: config({ MODEL_SIZE: 'small' }), models: shelf('whisper-base'), log }, stt).name).toBe('pocketsphinx');
    expect(chooseSttEngine({ config: config(), models: shelf(), log }, stt).name).toBe('pocketsphinx');
  });

  it('an explicit choice stands even without weights; creating it then fails, saying what to pull', async () => {
    const context = { config: config({ STT_ENGINE: 'whisper' }), models: shelf(), log };
    const whisper = chooseSttEngine(context, sttEngines());
    expect(whisper.name).toBe('whisper');
    expect(whisper.missing(context)).toMatch(/npm run models -- pull whisper-base/);
    await expect(startSttEngine(context, sttEngines())).rejects.toThrow(/npm run models -- pull whisper-base/);
  });
});

describe('translation choice', () => {
  const apertiumOff = config();

  it('routes Marian directly or through English', async () => {
    const choice = await prepareMtEngines({ config: apertiumOff, models: shelf('opus-mt-es-en', 'opus-mt-en-fr'), log }, mtEngines());
    expect(choice.choose('es', 'en')).toBe('marian');
    expect(choice.choose('es', 'fr')).toBe('marian');
    expect(choice.choose('fr', 'es')).toBeUndefined();
  });

  it('auto prefers direct Marian, then NLLB, then Marian through English, then Apertium', async () => {
    const live = config({ APERTIUM_URL: inject('apertiumUrl') });
    const all = await prepareMtEngines({ config: live, models: shelf('opus-mt-en-es', 'opus-mt-es-en', 'opus-mt-en-fr', 'nllb-200-distilled-600M'), log }, mtEngines());
    expect(all.choose('en', 'es')).toBe('marian');
    expect(all.choose('es', 'fr')).toBe('nllb');
    const noNllb = await prepareMtEngines({ config: live, models: shelf('opus-mt-es-en', 'opus-mt-en-fr'), log }, mtEngines());
    expect(noNllb.choose('es', 'fr')).toBe('marian');
    expect(noNllb.choose('en', 'es')).toBe('apertium');
  });

  it('an explicit engine serves only what it can, and says why it cannot run', async () => {
    const choice = await prepareMtEngines({ config: config({ MT_ENGINE: 'nllb' }), models: shelf('opus-mt-en-es'), log }, mtEngines());
    expect(choice.choose('en', 'es')).toBeUndefined();
    expect(choice.unavailable.get('nllb')).toMatch(/npm run models -- pull nllb-200-distilled-600M/);
    await expect(startMtEngine({ config: config({ MT_ENGINE: 'nllb' }), models: shelf(), log }, mtEngines())).rejects.toThrow(/pull nllb-200-distilled-600M/);
  });

  it('takes Apertium pairs from a running apertium-apy, and none from one that is not there; with nothing at all, the start fails saying why', async () => {
    const live = await prepareMtEngines({ config: config({ APERTIUM_URL: inject('apertiumUrl') }), models: shelf(), log }, mtEngines());
    expect(live.choose('en', 'es')).toBe('apertium');
    const gone = await prepareMtEngines({ config: apertiumOff, models: shelf(), log }, mtEngines());
    expect(gone.choose('en', 'es')).toBeUndefined();
    expect(gone.unavailable.get('apertium')).toMatch(/Cannot reach the Apertium server/);
    await expect(startMtEngine({ config: apertiumOff, models: shelf(), log }, mtEngines())).rejects.toThrow(/No translation engine can run here.*apertium: Cannot reach/);
  });

  it('asks an apertium-apy that is slow to answer again, with a longer wait, rather than listing no pairs', async () => {
    // In front of the real apertium-apy: the first request is held past the first wait (a server
    // still starting, or a busy machine), the next ones pass through.
    const upstream = inject('apertiumUrl');
    let requests = 0;
    const slow = createServer((req, res) => {
      requests += 1;
      const pass = () =>
        void fetch(`${upstream}${req.url}`)
          .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
          .catch(() => res.writeHead(502).end());
      if (requests === 1) setTimeout(pass, 3_000);
      else pass();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
      const choice = await prepareMtEngines({ config: config({ APERTIUM_URL: url, MT_ENGINE: 'apertium' }), models: shelf(), log }, mtEngines());
      expect(choice.choose('en', 'es')).toBe('apertium');
      expect(requests).toBe(2);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});

describe('engineTable', () => {
  it('names the engines of every pair, as captions name them', () => {
    const table = engineTable({ name: 'pocketsphinx', languages: ['en'] }, (from, to) => (from === 'en' && to === 'es' ? 'apertium' : undefined));
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
    const choice = await prepareMtEngines({ config: config({ MODELS_DIR: dir }), models: (await import('./ModelShelf.js')).modelShelf(dir, catalogOf(sttEngines(), mtEngines())), log }, mtEngines());
    expect(choice.choose('en', 'es')).toBe('marian');
    expect(choice.choose('es', 'en')).toBeUndefined();
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

describe('worker config for engines', () => {
  it('defaults to automatic choice, base Whisper on the CPU, and models-cache beside the checkout', () => {
    const defaults = loadWorkerConfig({});
    expect(defaults).toMatchObject({ STT_ENGINE: 'auto', MT_ENGINE: 'auto', MODEL_SIZE: 'base', DEVICE: 'cpu' });
    expect(defaults.MODELS_DIR).toMatch(/models-cache$/);
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

it('EngineRegistry lists choices for settings: auto first', () => {
  expect(new EngineRegistry<SttEngineDefinition>('speech recognition', [echoStt]).choices).toEqual(['auto', 'echo']);
});
