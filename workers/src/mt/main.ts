import { runWorker } from '../runWorker.js';
import { ApertiumEngine } from './ApertiumEngine.js';
import { MtWorker } from './MtWorker.js';

await runWorker('mt', async ({ config, redis, log, consumer }) => {
  const engine = await ApertiumEngine.connect({ url: config.APERTIUM_URL });
  const worker = new MtWorker({ redis, engine, consumer, log });
  await worker.start();
  return {
    health: { metrics: () => ({ translations_total: worker.translated }) },
    close: async () => {
      await worker.close();
      await engine.close();
    },
  };
});
