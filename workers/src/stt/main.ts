import { join } from 'node:path';
import { chooseSttEngine, engineTable, modelsIn, mtEngineChooser, publishEngineTable } from '../engines.js';
import { whisperModelName } from '../models/catalog.js';
import { timedSttEngine } from '../metrics/timedEngines.js';
import { runWorker } from '../runWorker.js';
import { PocketsphinxEngine } from './PocketsphinxEngine.js';
import type { SttEngine } from './SttEngine.js';
import { SttWorker } from './SttWorker.js';
import { WhisperEngine } from './WhisperEngine.js';

await runWorker('stt', async ({ config, redis, log, consumer, metrics }) => {
  const models = modelsIn(config.MODELS_DIR);
  const sttName = chooseSttEngine(config.STT_ENGINE, config.MODEL_SIZE, models);
  const whisperName = whisperModelName(config.MODEL_SIZE);
  const engine: SttEngine =
    sttName === 'whisper'
      ? await WhisperEngine.create({ modelDir: join(config.MODELS_DIR, whisperName), pullName: whisperName, device: config.DEVICE, log })
      : await PocketsphinxEngine.create({ poolSize: config.STT_CONCURRENCY });
  const mt = await mtEngineChooser(config, models);
  if (mt.apertiumReachable === false) log.warn({ url: config.APERTIUM_URL }, 'apertium-apy did not answer; the engine table lists no Apertium pairs');
  const table = engineTable(engine, mt.choose);
  await publishEngineTable(redis, table);
  log.info({ stt: engine.name, languages: engine.languages, modelsDir: config.MODELS_DIR, engines: table }, 'engines chosen');
  const worker = new SttWorker({
    redis,
    engine: timedSttEngine(engine, metrics),
    consumer,
    concurrency: config.STT_CONCURRENCY,
    leaseMs: config.STT_LEASE_MS,
    interimIntervalSeconds: config.INTERIM_INTERVAL_SECONDS,
    maxQueueDepth: config.MAX_QUEUE_DEPTH,
    log,
    metrics,
  });
  await worker.start();
  metrics.gaugeFrom('parley_stt_active_utterances', 'Utterances this worker is decoding now.', () => worker.activeUtterances);
  return {
    close: async () => {
      await worker.close();
      await engine.close();
    },
  };
});
