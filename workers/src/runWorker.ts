import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { redisReconnectDelayMs } from '@parley/protocol/streams';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from './config.js';
import { HealthServer } from './HealthServer.js';
import { WorkerMetrics } from './metrics/WorkerMetrics.js';

export interface RunningWorker {
  health?: { notReadyReasons?: () => Promise<string[]> };
  close(): Promise<void>;
}

export interface WorkerContext {
  config: WorkerConfig;
  redis: Redis;
  log: Logger;
  consumer: string;
  /** Served on /metrics; the worker classes record into it. */
  metrics: WorkerMetrics;
}

/** The shared main of a worker process: config, logger, Redis, health server, signal handling. */
export async function runWorker(kind: 'stt' | 'mt', start: (ctx: WorkerContext) => Promise<RunningWorker>): Promise<void> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = pino({ name: `${kind}-worker`, level: config.LOG_LEVEL });
  // Reconnect attempts at most half a second apart, so work resumes soon after Redis comes back.
  const redis = new Redis(config.REDIS_URL, { connectionName: `parley-${kind}-worker`, maxRetriesPerRequest: 3, retryStrategy: redisReconnectDelayMs });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const consumer = config.WORKER_NAME ?? `${kind}-${hostname()}-${process.pid}`;
  const metrics = new WorkerMetrics({ kind, redis });
  const worker = await start({ config, redis, log, consumer, metrics });
  let health: HealthServer | undefined;
  if (config.HEALTH_PORT !== undefined) {
    health = new HealthServer(metrics.registry, {
      notReadyReasons: async () => {
        const reasons = (await worker.health?.notReadyReasons?.()) ?? [];
        // Not connected: say so at once (a ping would wait in the offline queue for the reconnect attempts).
        const pong = redis.status === 'ready' ? await redis.ping().catch(() => undefined) : undefined;
        return pong === 'PONG' ? reasons : [...reasons, 'redis unreachable'];
      },
    });
    const port = await health.listen(config.HEALTH_PORT, config.HEALTH_HOST);
    log.info({ port }, 'health server listening');
  }
  log.info({ consumer }, `${kind} worker started`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void Promise.allSettled([worker.close(), health?.close()])
        .then(() => redis.quit())
        .finally(() => process.exit(0));
    });
  }
}
