import { prepareMtEngines } from '../engines/choosers.js';
import { engineTable, publishEngineTable } from '../engines/engineTable.js';
import { modelShelf } from '../engines/ModelShelf.js';
import { startSttEngine } from '../engines/startEngines.js';
import { timedSttEngine } from '../metrics/timedEngines.js';
import { CATALOG } from '../models/catalog.js';
import { mtEngines } from '../mt/mtEngines.js';
import { runWorker } from '../runWorker.js';
import { loadNameLexicon } from '../text/properNouns.js';
import { sttEngines } from './sttEngines.js';
import { SttWorker } from './SttWorker.js';

await runWorker('stt', async ({ config, redis, log, consumer, metrics }) => {
  const context = { config, models: modelShelf(config.MODELS_DIR, CATALOG), log };
  const { definition, engine } = await startSttEngine(context, sttEngines());
  const mt = await prepareMtEngines(context, mtEngines());
  for (const [name, reason] of mt.unavailable) log.warn({ engine: name, reason }, 'a translation engine cannot run; the engine table lists no pairs for it');
  const table = engineTable(definition, mt.choose);
  await publishEngineTable(redis, table);
  log.info({ stt: engine.name, languages: engine.languages, modelsDir: config.MODELS_DIR, engines: table }, 'engines chosen');
  const readableText = !definition.punctuates;
  const names = readableText && engine.vocabulary && engine.languages.includes('en') ? await loadNameLexicon(() => engine.vocabulary!(), log) : undefined;
  const worker = new SttWorker({
    redis,
    engine: timedSttEngine(engine, metrics),
    readableText,
    names,
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
