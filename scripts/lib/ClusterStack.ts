import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChildProcess } from './ChildProcess.js';
import { freePort, httpOk, waitFor } from './freePort.js';
import { mediasoupWorkerBin } from './mediasoupWorker.js';
import { PostgresServer } from './test-support/PostgresServer.js';
import { RedisServer } from './test-support/RedisServer.js';
import { TcpBalancer } from './test-support/TcpBalancer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ClusterStackOptions {
  sfuNodes: number;
  sttWorkers: number;
  mtWorkers: number;
  /** A running apertium-apy (the test services start one). */
  apertiumUrl: string;
  /** Every process's output goes to a file here, one per process. */
  logDir: string;
  /** Extra environment for every Parley process. */
  env?: NodeJS.ProcessEnv;
}

/** One Parley process of the cluster and where its health endpoints are. */
export interface ClusterProcess {
  name: string;
  child: ChildProcess;
  /** Base URL of /healthz and /readyz (the sfu's own port, the workers' HEALTH_PORT). */
  healthUrl: string;
}

/**
 * Parley on several machines, as processes on loopback: its own Redis (persisting, so it can be
 * stopped and started again), Postgres shared by the sfu nodes and the transcript writer, N sfu
 * nodes each with its own NODE_URL behind a TCP load balancer (PUBLIC_URL), stt and mt workers.
 */
export class ClusterStack {
  readonly redis: RedisServer;
  readonly postgres = new PostgresServer();
  /** The address people are given: the load balancer in front of every sfu node. */
  publicUrl = '';
  /** Each sfu node's own address (its NODE_URL), by index. */
  readonly nodeUrls: string[] = [];
  /** Each sfu node's port, by index. */
  readonly sfuPorts: number[] = [];
  readonly processes: ClusterProcess[] = [];
  /** In front of the sfu nodes; it records which node each connection went to. */
  balancer: TcpBalancer | undefined;
  private databaseUrl = '';
  private readonly starts = new Map<string, number>();
  private stopped = false;

  constructor(private readonly options: ClusterStackOptions) {
    mkdirSync(options.logDir, { recursive: true });
    this.redis = new RedisServer(options.logDir);
  }

  async start(): Promise<this> {
    const o = this.options;
    try {
      await Promise.all([this.redis.start(), this.postgres.start()]);
      this.databaseUrl = await this.postgres.createDatabase('parley_cluster');
      for (let i = 0; i < o.sfuNodes; i++) this.sfuPorts.push(await freePort());
      this.balancer = new TcpBalancer(this.sfuPorts);
      this.publicUrl = await this.balancer.listen();
      this.nodeUrls.push(...this.sfuPorts.map((port) => `http://127.0.0.1:${port}`));
      // One at a time: the first node runs the database migrations the others then find done, and
      // a machine busy starting five processes at once answers an engine's first check too late.
      for (let i = 0; i < o.sfuNodes; i++) await this.startNode(i);
      for (let i = 0; i < o.sttWorkers; i++) await this.startWorker('stt', i);
      for (let i = 0; i < o.mtWorkers; i++) await this.startWorker('mt', i);
      await this.startTranscriptWriter();
      return this;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private baseEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      REDIS_URL: this.redis.url,
      DATABASE_URL: this.databaseUrl,
      APERTIUM_URL: this.options.apertiumUrl,
      STT_ENGINE: 'pocketsphinx',
      MT_ENGINE: 'apertium',
      LOG_LEVEL: 'info',
      ...this.options.env,
    };
  }

  /** Starts sfu node `index` (again, after it was killed) on its own port; resolves once it is ready. */
  async startNode(index: number): Promise<ClusterProcess> {
    const port = this.sfuPorts[index]!;
    return this.spawn(`sfu-${index}`, 'sfu/src/main.ts', `http://127.0.0.1:${port}`, {
      GATEWAY_PORT: String(port),
      HOST: '127.0.0.1',
      RTC_LISTEN_IP: '127.0.0.1',
      MEDIASOUP_WORKERS: '1',
      MEDIASOUP_WORKER_BIN: mediasoupWorkerBin(),
      NODE_ID: `sfu-${index}`,
      NODE_URL: this.nodeUrls[index],
      PUBLIC_URL: this.publicUrl,
    });
  }

  private async startWorker(kind: 'stt' | 'mt', index: number): Promise<ClusterProcess> {
    const healthPort = await freePort();
    return this.spawn(`${kind}-${index}`, `workers/src/${kind}/main.ts`, `http://127.0.0.1:${healthPort}`, {
      HEALTH_PORT: String(healthPort),
      WORKER_NAME: `${kind}-${index}-${process.pid}`,
    });
  }

  private async startTranscriptWriter(): Promise<ClusterProcess> {
    const healthPort = await freePort();
    return this.spawn('transcripts', 'sfu/src/transcripts/main.ts', `http://127.0.0.1:${healthPort}`, { HEALTH_PORT: String(healthPort) });
  }

  private async spawn(name: string, entry: string, healthUrl: string, env: NodeJS.ProcessEnv): Promise<ClusterProcess> {
    const start = this.starts.get(name) ?? 0;
    this.starts.set(name, start + 1);
    const child = new ChildProcess({
      name,
      command: process.execPath,
      args: ['--import', 'tsx', entry],
      env: { ...this.baseEnv(), ...env },
      cwd: ROOT,
      logFile: `${this.options.logDir}/${name}.log`,
    });
    const entryOf: ClusterProcess = { name, child, healthUrl };
    this.processes.push(entryOf);
    await waitFor(name, () => httpOk(`${healthUrl}/readyz`), 90_000, () => child.deathReason);
    return entryOf;
  }

  /** The running process of that name (the newest, after a restart). */
  process(name: string): ClusterProcess {
    const found = this.processes.filter((p) => p.name === name).at(-1);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  /** Whether each process still running answers /readyz with 200, by name. */
  async readiness(): Promise<Map<string, boolean>> {
    const live = this.processes.filter((p) => !p.child.deathReason);
    const answers = await Promise.all(live.map((p) => httpOk(`${p.healthUrl}/readyz`).catch(() => false)));
    return new Map(live.map((p, i) => [p.name, answers[i]!]));
  }

  /** JSON log lines of a process (every start of it) whose message is `msg`. */
  logLines(name: string, msg: string): Record<string, unknown>[] {
    const text = readFileSync(`${this.options.logDir}/${name}.log`, 'utf8');
    return text
      .split('\n')
      .map((line) => line.slice(line.indexOf('{')))
      .filter((line) => line.includes(`"msg":"${msg}"`))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Idempotent: Parley's processes, then the balancer, Redis and Postgres. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.processes.map((p) => p.child.stop()));
    await this.balancer?.close();
    await Promise.all([this.redis.destroy(), this.postgres.stop()]);
  }
}
