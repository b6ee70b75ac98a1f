import { runWorker } from '../runWorker.js';
import { PocketsphinxEngine } from './PocketsphinxEngine.js';
import { SttWorker } from './SttWorker.js';

await runWorker('stt', async ({ config, redis, log, consumer }) => {
  const engine = await PocketsphinxEngine.create({ poolSize: config.STT_CONCURRENCY });
  const worker = new SttWorker({
    redis,
    engine,
    consumer,
    concurrency: config.STT_CONCURRENCY,
    leaseMs: config.STT_LEASE_MS,
    interimIntervalSeconds: config.INTERIM_INTERVAL_SECONDS,
    maxQueueDepth: config.MAX_QUEUE_DEPTH,
    log,
  });
  await worker.start();
  return {
    health: {
      metrics: () => ({ active_utterances: worker.activeUtterances, finals_total: worker.finals, interims_total: worker.interims }),
    },
    close: async () => {
      await worker.close();
      await engine.close();
    },
  };
});
