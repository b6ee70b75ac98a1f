import { accessSync, constants } from 'node:fs';
import { createWorker, type types } from 'mediasoup';
import type { Logger } from 'pino';
import { SafeEmitter } from '../SafeEmitter.js';
import { ROUTER_MEDIA_CODECS, webRtcServerListenInfos, type MediaSettings } from './MediaSettings.js';

/** One media process: a mediasoup worker and the WebRtcServer that carries all its transports' media. */
export interface MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** Consumers (listeners' audio streams) placed on this worker: its share of the forwarding. */
  consumers: number;
  routers: number;
}

export interface MediaWorkerPoolEvents {
  /** A media process died; its routers are closed (they emit "workerclose"). A replacement is starting. */
  workerDied: [index: number, error: Error];
  workerReplaced: [index: number, pid: number];
}

export class MediaUnavailableError extends Error {
  override name = 'MediaUnavailableError';
}

/** How long a replacement may take to start before it is tried again. */
const RESTART_DELAY_MS = 1_000;

/**
 * The sfu's media processes, one per core by default. A process that dies is replaced on the same
 * ports; the rooms it carried are rebuilt by their owners (see Room), the sfu itself stays up.
 */
export class MediaWorkerPool extends SafeEmitter<MediaWorkerPoolEvents> {
  private readonly slots: (MediaWorker | undefined)[];
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly settings: MediaSettings,
    private readonly log: Logger,
  ) {
    super((error, event) => log.error({ err: error, event }, 'media worker pool listener failed'));
    this.slots = new Array<MediaWorker | undefined>(settings.workerCount).fill(undefined);
  }

  static async start(settings: MediaSettings, log: Logger): Promise<MediaWorkerPool> {
    checkWorkerBin(settings.workerBin ?? process.env.MEDIASOUP_WORKER_BIN);
    const pool = new MediaWorkerPool(settings, log);
    try {
      await Promise.all(pool.slots.map((_, index) => pool.startWorker(index)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  /** Process ids of the live media processes (for CPU accounting and fault tests). */
  get pids(): number[] {
    return this.live().map((w) => w.worker.pid);
  }

  get workers(): readonly MediaWorker[] {
    return this.live();
  }

  /**
   * The least loaded live worker, other than those in `avoid` where another exists; waits up to
   * `waitMs` for one while every worker is being replaced.
   */
  async pick(avoid: ReadonlySet<number> = new Set(), waitMs = 10_000): Promise<MediaWorker> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.closed) throw new MediaUnavailableError('The media service is shutting down.');
      const live = this.live();
      const preferred = live.filter((w) => !avoid.has(w.index));
      const candidates = preferred.length ? preferred : live;
      if (candidates.length) return candidates.reduce((best, w) => (load(w) < load(best) ? w : best));
      const left = deadline - Date.now();
      if (left <= 0) throw new MediaUnavailableError('No media process is running; try again in a moment.');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async createRouter(on: MediaWorker): Promise<types.Router> {
    const router = await on.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
    on.routers += 1;
    router.observer.once('close', () => {
      on.routers -= 1;
    });
    return router;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) slot?.worker.close();
    this.slots.fill(undefined);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private live(): MediaWorker[] {
    return this.slots.filter((s): s is MediaWorker => !!s && !s.worker.died && !s.worker.closed);
  }

  private async startWorker(index: number): Promise<void> {
    const worker = await createWorker({
      logLevel: 'warn',
      ...(this.settings.workerBin ? { workerBin: this.settings.workerBin } : {}),
      appData: { index },
    });
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos: webRtcServerListenInfos(this.settings, index) });
    } catch (error) {
      worker.close();
      throw new Error(`media process ${index} could not listen: ${(error as Error).message}`);
    }
    const slot: MediaWorker = { index, worker, webRtcServer, consumers: 0, routers: 0 };
    worker.on('died', (error) => this.onDied(slot, error));
    this.slots[index] = slot;
    this.log.info({ index, pid: worker.pid }, 'media process started');
    for (const wake of this.waiters.splice(0)) wake();
  }

  private onDied(slot: MediaWorker, error: Error): void {
    if (this.closed || this.slots[slot.index] !== slot) return;
    this.slots[slot.index] = undefined;
    this.log.error({ index: slot.index, pid: slot.worker.pid, err: error.message }, 'media process died; replacing it');
    this.emit('workerDied', slot.index, error);
    void this.replace(slot.index);
  }

  private async replace(index: number): Promise<void> {
    while (!this.closed && !this.slots[index]) {
      try {
        await this.startWorker(index);
        this.emit('workerReplaced', index, this.slots[index]!.worker.pid);
        return;
      } catch (error) {
        this.log.error({ index, err: (error as Error).message }, 'media process could not be restarted; trying again');
        await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      }
    }
  }
}

/** Parley builds the worker itself (mediasoup's npm install step would download one). */
function checkWorkerBin(path: string | undefined): void {
  const fix = 'run scripts/setup.sh (it builds the mediasoup worker) and set MEDIASOUP_WORKER_BIN to the path scripts/build-mediasoup-worker.sh prints';
  if (!path) throw new Error(`MEDIASOUP_WORKER_BIN is not set: ${fix}.`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`MEDIASOUP_WORKER_BIN (${path}) is not an executable file: ${fix}.`);
  }
}

function load(worker: MediaWorker): number {
  // A router (room) costs little until its listeners consume; consumers dominate the forwarding work.
  return worker.consumers + worker.routers * 10;
}
