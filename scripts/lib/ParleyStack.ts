import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChildProcess } from './ChildProcess.js';
import { freePort, httpOk, waitFor } from './freePort.js';
import { mediasoupWorkerBin } from './mediasoupWorker.js';
import { redisServerArgs, waitForRedis } from './services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APERTIUM_MODES_DIR = '/usr/share/apertium/modes';

export interface ParleyStackOptions {
  /** Port of the web app and signaling; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Extra environment for every Parley process (e.g. SILENCE_THRESHOLD_SECONDS). */
  env?: NodeJS.ProcessEnv;
  /** Print every process's output, labelled (the start command does). */
  echo?: boolean;
  /** Otherwise output goes to files in this folder. */
  logDir?: string;
  sttWorkers?: number;
  mtWorkers?: number;
  /** Use a running Redis (REDIS_URL) instead of starting one. */
  redisUrl?: string;
  /**
   * Where the Redis it starts keeps its append-only file, so a Redis restart loses no work in
   * flight; unset: in memory only (tests).
   */
  redisDataDir?: string;
  /** Use a running apertium-apy instead of starting one. */
  apertiumUrl?: string;
  /** Pin pocketsphinx + Apertium even where neural weights are present (tests, offline benches). */
  offlineEngines?: boolean;
  /** Start the transcript writer (default true): it stores every final caption in the database. */
  transcriptWriter?: boolean;
  /** Serve the sfu's /metrics on a free loopback port too (the others always serve theirs on their health port). */
  sfuMetrics?: boolean;
}

/** One Prometheus scrape target of the stack: a process's /metrics, under its job name in infra/prometheus. */
export interface MetricsTarget {
  job: 'parley-sfu' | 'parley-stt' | 'parley-mt' | 'parley-transcripts';
  /** host:port */
  target: string;
  process: ChildProcess;
}

/**
 * Everything Parley needs on one machine, as child processes: Redis and apertium-apy (unless
 * given), the sfu, and the stt and mt workers. Used by the start command, the e2e tests and benches.
 */
export class ParleyStack {
  readonly processes: ChildProcess[] = [];
  /** The stt workers, by the consumer name each uses in the Redis consumer group. */
  readonly sttWorkers = new Map<string, ChildProcess>();
  /** The process that stores kept transcripts; tests kill and restart it. */
  transcriptWriter: ChildProcess | undefined;
  /** Where each Parley process serves /metrics (the sfu only with `sfuMetrics`). */
  readonly metricsTargets: MetricsTarget[] = [];
  /** The sfu's process (its media processes are its children). */
  sfu: ChildProcess | undefined;
  url = '';
  redisUrl = '';
  apertiumUrl = '';
  private stopped = false;

  constructor(private readonly options: ParleyStackOptions = {}) {}

  async start(): Promise<this> {
    const o = this.options;
    if (o.logDir) mkdirSync(o.logDir, { recursive: true });
    try {
      await Promise.all([this.startRedis(), this.startApertium()]);
      const host = o.host ?? '127.0.0.1';
      const port = o.port || (await freePort(host));
      const baseEnv = { ...process.env, ...this.engineEnv(), ...o.env, REDIS_URL: this.redisUrl, APERTIUM_URL: this.apertiumUrl };
      const metricsPort = o.sfuMetrics ? await freePort() : undefined;
      const metricsEnv = metricsPort ? { METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' } : {};
      const sfu = this.spawnTs('sfu', 'sfu/src/main.ts', { ...baseEnv, ...metricsEnv, GATEWAY_PORT: String(port), HOST: host, MEDIASOUP_WORKER_BIN: mediasoupWorkerBin() });
      this.sfu = sfu;
      if (metricsPort) this.metricsTargets.push({ job: 'parley-sfu', target: `127.0.0.1:${metricsPort}`, process: sfu });
      const workers: Promise<ChildProcess>[] = [];
      for (let i = 0; i < (o.sttWorkers ?? 1); i++) workers.push(this.startWorker('stt', i, baseEnv));
      for (let i = 0; i < (o.mtWorkers ?? 1); i++) workers.push(this.startWorker('mt', i, baseEnv));
      const displayHost = host === '0.0.0.0' ? '127.0.0.1' : host;
      this.url = `http://${displayHost}:${port}`;
      await Promise.all([waitFor('sfu', () => httpOk(`${this.url}/readyz`), 60_000, () => sfu.deathReason), ...workers]);
      // After the sfu, which has run the database migrations by the time it is ready.
      if (o.transcriptWriter ?? true) await this.startTranscriptWriter();
      return this;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Starts one more stt worker (tests of takeover). */
  async addSttWorker(): Promise<ChildProcess> {
    return this.startWorker('stt', this.sttWorkers.size, { ...process.env, ...this.engineEnv(), ...this.options.env, REDIS_URL: this.redisUrl, APERTIUM_URL: this.apertiumUrl });
  }

  /** Starts (or, after it was stopped or killed, restarts) the transcript writer; resolves once it is up. */
  async startTranscriptWriter(): Promise<ChildProcess> {
    const healthPort = await freePort();
    const child = this.spawnTs(`transcripts${this.transcriptWriterStarts++ || ''}`, 'sfu/src/transcripts/main.ts', {
      ...process.env,
      ...this.options.env,
      REDIS_URL: this.redisUrl,
      HEALTH_PORT: String(healthPort),
    });
    this.transcriptWriter = child;
    this.metricsTargets.push({ job: 'parley-transcripts', target: `127.0.0.1:${healthPort}`, process: child });
    await waitFor('transcript writer', () => httpOk(`http://127.0.0.1:${healthPort}/readyz`), 60_000, () => child.deathReason);
    return child;
  }

  private transcriptWriterStarts = 0;

  private engineEnv(): NodeJS.ProcessEnv {
    return this.options.offlineEngines ? { STT_ENGINE: 'pocketsphinx', MT_ENGINE: 'apertium' } : {};
  }

  private async startWorker(kind: 'stt' | 'mt', index: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
    const healthPort = await freePort();
    const consumer = `${kind}-${index}-${process.pid}-${Date.now()}`;
    const child = this.spawnTs(`${kind}${index}`, `workers/src/${kind}/main.ts`, {
      ...env,
      HEALTH_PORT: String(healthPort),
      WORKER_NAME: consumer,
    });
    if (kind === 'stt') this.sttWorkers.set(consumer, child);
    this.metricsTargets.push({ job: `parley-${kind}`, target: `127.0.0.1:${healthPort}`, process: child });
    await waitFor(`${kind} worker`, () => httpOk(`http://127.0.0.1:${healthPort}/readyz`), 60_000, () => child.deathReason);
    return child;
  }

  private async startRedis(): Promise<void> {
    if (this.options.redisUrl) {
      this.redisUrl = this.options.redisUrl;
      return;
    }
    const port = await freePort();
    const dataDir = this.options.redisDataDir;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const redis = this.spawn('redis', 'redis-server', redisServerArgs(port, { dataDir }));
    this.redisUrl = `redis://127.0.0.1:${port}`;
    await waitForRedis(this.redisUrl, 15_000, () => redis.deathReason);
  }

  private async startApertium(): Promise<void> {
    if (this.options.apertiumUrl) {
      this.apertiumUrl = this.options.apertiumUrl;
      return;
    }
    const port = await freePort();
    // Through a wrapper that binds it to 127.0.0.1 (apertium-apy itself listens on every interface).
    const apy = this.spawn('apertium', '/usr/bin/python3', [`${ROOT}scripts/lib/apertium_apy_loopback.py`, '-p', String(port), APERTIUM_MODES_DIR]);
    this.apertiumUrl = `http://127.0.0.1:${port}`;
    await waitFor('apertium-apy', () => httpOk(`${this.apertiumUrl}/listPairs`), 30_000, () => apy.deathReason);
  }

  private spawnTs(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
    return this.spawn(name, process.execPath, ['--import', 'tsx', entry], env);
  }

  private spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = new ChildProcess({
      name,
      command,
      args,
      env,
      cwd: ROOT,
      echo: this.options.echo,
      logFile: this.options.logDir ? `${this.options.logDir}/${name}.log` : undefined,
    });
    this.processes.push(child);
    return child;
  }

  /** Idempotent: stops Parley's processes first, then Redis and apertium-apy. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const services = new Set(['redis', 'apertium']);
    await Promise.all(this.processes.filter((p) => !services.has(p.name)).map((p) => p.stop()));
    await Promise.all(this.processes.filter((p) => services.has(p.name)).map((p) => p.stop()));
  }
}
