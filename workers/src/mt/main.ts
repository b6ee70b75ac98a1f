import { join } from 'node:path';
import { ALL_LANGUAGES, hasNeuralMt, modelsIn, mtEngineChooser, type MtEngineName } from '../engines.js';
import { NLLB_MODEL_NAME } from '../models/catalog.js';
import { timedMtEngine } from '../metrics/timedEngines.js';
import { runWorker } from '../runWorker.js';
import { ApertiumEngine } from './ApertiumEngine.js';
import { MarianEngine } from './MarianEngine.js';
import type { MtEngine } from './MtEngine.js';
import { MtWorker } from './MtWorker.js';
import { NllbEngine } from './NllbEngine.js';
import { RoutedMtEngine } from './RoutedMtEngine.js';

await runWorker('mt', async ({ config, redis, log, consumer, metrics }) => {
  const models = modelsIn(config.MODELS_DIR);
  const engines = new Map<MtEngineName, MtEngine>();
  try {
    // Apertium is required when it is the only engine there can be: an unreachable server fails the start, with its reason.
    if (config.MT_ENGINE === 'apertium' || (config.MT_ENGINE === 'auto' && !hasNeuralMt(models))) {
      engines.set('apertium', await ApertiumEngine.connect({ url: config.APERTIUM_URL }));
    }
    const apertium = engines.get('apertium');
    const { choose } = await mtEngineChooser(config, models, apertium && ((from, to) => apertium.supports(from, to)));
    const chosen = new Map<string, MtEngineName>();
    for (const from of ALL_LANGUAGES) {
      for (const to of ALL_LANGUAGES) {
        const name = from === to ? undefined : choose(from, to);
        if (name) chosen.set(`${from}>${to}`, name);
      }
    }
    const needed = new Set(chosen.values());
    // An explicit MT_ENGINE whose weights are missing fails here, saying which to pull.
    if (config.MT_ENGINE !== 'auto') needed.add(config.MT_ENGINE);
    if (needed.has('marian')) engines.set('marian', await MarianEngine.create({ modelsDir: config.MODELS_DIR, device: config.DEVICE, log }));
    if (needed.has('nllb')) engines.set('nllb', await NllbEngine.create({ modelDir: join(config.MODELS_DIR, NLLB_MODEL_NAME), device: config.DEVICE, log }));
    if (needed.has('apertium') && !engines.has('apertium')) engines.set('apertium', await ApertiumEngine.connect({ url: config.APERTIUM_URL }));
    const routes = new Map([...chosen].map(([pair, name]) => [pair, engines.get(name)!]));
    log.info({ engines: Object.fromEntries(chosen), modelsDir: config.MODELS_DIR }, 'translation engines chosen');
    if (!routes.size) log.warn("no translation engine serves any pair: captions stay in the speaker's language (see `npm run models -- list`)");
    const engine = new RoutedMtEngine(routes);
    const worker = new MtWorker({ redis, engine: timedMtEngine(engine, metrics), consumer, log, metrics });
    await worker.start();
    return {
      close: async () => {
        await worker.close();
        await engine.close();
      },
    };
  } catch (error) {
    await Promise.allSettled([...engines.values()].map((e) => e.close()));
    throw error;
  }
});
