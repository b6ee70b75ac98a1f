import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcess } from '../ChildProcess.js';
import { freePort } from '../freePort.js';
import { redisServerArgs, waitForRedis } from '../services.js';

/**
 * A redis-server of a test's own, persisting as Parley's launcher and deploy files run it (an
 * append-only file in a temp dir), so a test can stop it (SIGTERM) and start it again on the same
 * port and data: an outage as a restart or failover of the real thing looks.
 */
export class RedisServer {
  url = '';
  private port = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  private process: ChildProcess | undefined;
  private starts = 0;

  constructor(private readonly logDir?: string) {}

  get running(): boolean {
    return !!this.process && !this.process.deathReason;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    this.url = `redis://127.0.0.1:${this.port}`;
    const child = new ChildProcess({
      name: `redis${this.starts++ || ''}`,
      command: 'redis-server',
      args: redisServerArgs(this.port, { dataDir: this.dir }),
      logFile: this.logDir ? `${this.logDir}/redis.log` : undefined,
    });
    this.process = child;
    await waitForRedis(this.url, 15_000, () => child.deathReason);
    return this;
  }

  /** SIGTERM, as an orchestrator stops it: Redis writes its append-only file out and exits. */
  async stop(): Promise<void> {
    await this.process?.stop(10_000);
    this.process = undefined;
  }

  /** Stops it and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
