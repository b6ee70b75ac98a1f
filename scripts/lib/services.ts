import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ChildProcess } from './ChildProcess.js';
import { freePort, httpOk, waitFor } from './freePort.js';
import { mediasoupWorkerBin } from './mediasoupWorker.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * redis-server as Parley runs it on one machine, loopback only. With `dataDir`, work in flight
 * (utterance audio, queued jobs, finals not yet stored) survives a Redis restart: an append-only
 * file, fsynced every second and on shutdown. Without, everything is in memory (test services).
 */
export function redisServerArgs(port: number, options: { dataDir?: string } = {}): string[] {
  const persistence = options.dataDir
    ? ['--dir', options.dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  return ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--databases', '64'];
}

/**
 * Resolves once the Redis at `url` answers PING, which means its data is loaded, not merely that
 * its port is open. Refused connections until then are expected and not reported.
 */
export async function waitForRedis(url: string, timeoutMs: number, isDead: () => string | undefined): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await waitFor('redis', async () => {
      if (client.status !== 'ready') await client.connect().catch(() => client.disconnect());
      return (await client.ping()) === 'PONG';
    }, timeoutMs, isDead);
  } finally {
    client.disconnect();
  }
}

export interface SfuProcessOptions {
  redisUrl: string;
  /** Added to the sfu's environment (limits, LOG_LEVEL…). */
  env?: NodeJS.ProcessEnv;
  logFile?: string;
  readyTimeoutMs?: number;
}

/** The sfu alone as a child process on a free loopback port, resolved once /readyz answers. */
export async function startSfuProcess(options: SfuProcessOptions): Promise<{ sfu: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sfu = new ChildProcess({
    name: 'sfu',
    command: process.execPath,
    args: ['--import', 'tsx', 'sfu/src/main.ts'],
    cwd: ROOT,
    env: {
      ...process.env,
      GATEWAY_PORT: String(port),
      HOST: '127.0.0.1',
      RTC_LISTEN_IP: '127.0.0.1',
      REDIS_URL: options.redisUrl,
      LOG_LEVEL: 'warn',
      MEDIASOUP_WORKER_BIN: mediasoupWorkerBin(),
      ...options.env,
    },
    logFile: options.logFile,
  });
  try {
    await waitFor('sfu', () => httpOk(`${url}/readyz`), options.readyTimeoutMs ?? 60_000, () => sfu.deathReason);
  } catch (error) {
    await sfu.stop();
    throw error;
  }
  return { sfu, url };
}
