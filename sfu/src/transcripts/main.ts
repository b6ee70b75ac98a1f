import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { redisReconnectDelayMs } from '@parley/protocol/streams';
import { ConfigError } from '../config.js';
import { openDatabase } from '../db/openDatabase.js';
import { logRedaction } from '../logRedaction.js';
import { loadTranscriptWriterConfig } from './config.js';
import { TranscriptRetention } from './TranscriptRetention.js';
import { TranscriptStore } from './TranscriptStore.js';
import { TranscriptWriter } from './TranscriptWriter.js';
import { transcriptWriterRegistry } from './transcriptWriterMetrics.js';

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
// Commands wait for Redis however long it is away; reconnect attempts at most half a second apart.
const redis = new Redis(config.REDIS_URL, { connectionName: 'parley-transcripts', maxRetriesPerRequest: null, retryStrategy: redisReconnectDelayMs });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const writer = new TranscriptWriter({
  redis,
  store,
  consumer: config.WORKER_NAME ?? `transcripts-${hostname()}-${process.pid}`,
  claimIdleMs: config.TRANSCRIPT_CLAIM_IDLE_MS,
  blockMs: config.TRANSCRIPT_BLOCK_MS,
  log,
});
await writer.start();
const retention = new TranscriptRetention(store, config.TRANSCRIPT_RETENTION_DAYS, log);
retention.start();

const metrics = transcriptWriterRegistry(writer, redis);

// /healthz and /readyz for the launcher and probes; /metrics in Prometheus' text format.
const health = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, stored: writer.stored }));
  } else if (req.url === '/readyz') {
    // Not ready while Redis is away: nothing can be read (entries wait in Redis, none are lost).
    const ready = redis.status === 'ready';
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: ready, redis: ready, stored: writer.stored }));
  } else if (req.url === '/metrics') {
    metrics.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${error.message}\n`),
    );
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  }
});
await new Promise<void>((resolve) => health.listen(config.HEALTH_PORT, config.HEALTH_HOST, resolve));
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
