import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ConfigError } from '../config.js';
import { openDatabase } from '../db/openDatabase.js';
import { logRedaction } from '../logRedaction.js';
import { loadTranscriptWriterConfig } from './config.js';
import { TranscriptRetention } from './TranscriptRetention.js';
import { TranscriptStore } from './TranscriptStore.js';
import { TranscriptWriter } from './TranscriptWriter.js';

let config;
try {
  config = loadTranscriptWriterConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = pino({ name: 'transcripts', level: config.LOG_LEVEL, redact: logRedaction });
const db = await openDatabase(config.DATABASE_URL);
const store = new TranscriptStore(db);
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const writer = new TranscriptWriter({
  redis,
  store,
  consumer: config.WORKER_NAME ?? `transcripts-${hostname()}-${process.pid}`,
  claimIdleMs: config.TRANSCRIPT_CLAIM_IDLE_MS,
  log,
});
await writer.start();
const retention = new TranscriptRetention(store, config.TRANSCRIPT_RETENTION_DAYS, log);
retention.start();

// Loopback only: the launcher asks it whether the writer is up.
const health = createServer((req, res) => {
  const ok = req.url === '/healthz' || req.url === '/readyz';
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, stored: writer.stored }));
});
await new Promise<void>((resolve) => health.listen(config.HEALTH_PORT, '127.0.0.1', resolve));
log.info({ healthPort: (health.address() as AddressInfo).port }, 'transcript writer running');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    retention.close();
    health.close();
    void writer
      .close()
      .then(() => db.destroy())
      .finally(() => process.exit(0));
  });
}
