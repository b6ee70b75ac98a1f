import { modelShelf } from '../engines/ModelShelf.js';
import { startMtEngine } from '../engines/startEngines.js';
import { timedMtEngine } from '../metrics/timedEngines.js';
import { CATALOG } from '../models/catalog.js';
import { runWorker } from '../runWorker.js';
import { mtEngines } from './mtEngines.js';
import { MtWorker } from './MtWorker.js';

await runWorker('mt', async ({ config, redis, log, consumer, metrics }) => {
  const { engine, chosen } = await startMtEngine({ config, models: modelShelf(config.MODELS_DIR, CATALOG), log }, mtEngines());
  log.info({ engines: Object.fromEntries(chosen), modelsDir: config.MODELS_DIR }, 'translation engines chosen');
  if (!chosen.size) log.warn("no translation engine serves any pair: captions stay in the speaker's language (see `npm run models -- list`)");
  const worker = new MtWorker({ redis, engine: timedMtEngine(engine, metrics), consumer, log, metrics, concurrency: config.MT_CONCURRENCY });
  await worker.start();
  return {
    close: async () => {
      await worker.close();
      await engine.close();
    },
  };
});
