import type { types } from 'mediasoup';
import { SafeEmitter } from '../SafeEmitter.js';
import type { MediaWorker, MediaWorkerPool } from './MediaWorkerPool.js';

/** One of a room's routers, on one media process. */
export interface RouterSlot {
  readonly router: types.Router;
  readonly worker: MediaWorker;
  /** Listeners' consumers on this router. */
  consumers: number;
}

export interface RoomMediaEvents {
  /** A media process under this room died: every transport, producer and consumer of it is gone. */
  lost: [];
  /** Producers speaking now, loudest first (ids). */
  volumes: [producerIds: string[]];
}

export interface RoomMediaOptions {
  pool: MediaWorkerPool;
  /** Consumers one router carries before listeners go to a router on another media process. */
  consumersPerWorker: number;
  iceConsentTimeoutSeconds?: number;
  onListenerError?: (error: unknown, event: string) => void;
}

/**
 * A room's media: its router, the audio level observer, the captioning tap and, for a room too big
 * for one media process, more routers on other processes fed through pipeToRouter. Speakers always
 * send to the first router; listeners are placed where there is room.
 */
export class RoomMedia extends SafeEmitter<RoomMediaEvents> {
  private readonly extra: RouterSlot[] = [];
  private readonly pipes = new Map<string, Promise<void>>();
  /** Routers being made, by worker index. */
  private readonly creating = new Map<number, Promise<RouterSlot>>();
  private direct: Promise<types.DirectTransport> | undefined;
  private closed = false;

  private constructor(
    readonly primary: RouterSlot,
    private readonly levels: types.AudioLevelObserver,
    private readonly options: RoomMediaOptions,
  ) {
    super(options.onListenerError);
    this.watch(primary);
    levels.on('volumes', (volumes) => this.emit('volumes', volumes.map((v) => v.producer.id)));
    levels.on('silence', () => this.emit('volumes', []));
  }

  static async create(options: RoomMediaOptions): Promise<RoomMedia> {
    const worker = await options.pool.pick();
    const router = await options.pool.createRouter(worker);
    try {
      // Every 340 ms: often enough for a speaking indicator, rarely enough not to flood sockets.
      const levels = await router.createAudioLevelObserver({ maxEntries: 16, threshold: -55, interval: 340 });
      return new RoomMedia({ router, worker, consumers: 0 }, levels, options);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get routerCount(): number {
    return 1 + this.extra.length;
  }

  /** Every router of the room, the first one first. */
  get slots(): readonly RouterSlot[] {
    return [this.primary, ...this.extra];
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.primary.router.rtpCapabilities;
  }

  /** Where a new transport goes: speakers on the first router, listeners where there is room. */
  async slotFor(direction: 'send' | 'recv'): Promise<RouterSlot> {
    if (direction === 'send') return this.primary;
    const limit = this.options.consumersPerWorker;
    const open = [this.primary, ...this.extra].find((s) => s.consumers < limit);
    if (open) return open;
    const used = new Set([this.primary, ...this.extra].map((s) => s.worker.index));
    const worker = await this.options.pool.pick(used);
    const existing = [this.primary, ...this.extra].find((s) => s.worker === worker);
    if (existing) return existing;
    // Listeners joining together share the one router being made: a second router on the same
    // worker could not take the speaker's piped producer (its id is taken there), and its
    // listeners would hear nothing.
    let creating = this.creating.get(worker.index);
    if (!creating) {
      creating = this.addSlot(worker).finally(() => this.creating.delete(worker.index));
      this.creating.set(worker.index, creating);
    }
    return creating;
  }

  createWebRtcTransport(slot: RouterSlot): Promise<types.WebRtcTransport> {
    return slot.router.createWebRtcTransport({
      webRtcServer: slot.worker.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      // Speech: a few tens of kbit/s per stream; no need to probe for more.
      initialAvailableOutgoingBitrate: 300_000,
      ...(this.options.iceConsentTimeoutSeconds ? { iceConsentTimeout: this.options.iceConsentTimeoutSeconds } : {}),
    });
  }

  /** Makes `producerId` (on the first router) consumable on `slot`'s router. */
  ensureProducer(slot: RouterSlot, producerId: string): Promise<void> {
    if (slot === this.primary) return Promise.resolve();
    const key = `${slot.router.id}:${producerId}`;
    let pipe = this.pipes.get(key);
    if (!pipe) {
      pipe = this.primary.router.pipeToRouter({ producerId, router: slot.router }).then(
        ({ pipeConsumer }) => {
          pipeConsumer?.observer.once('close', () => this.pipes.delete(key));
        },
        (error: unknown) => {
          this.pipes.delete(key);
          throw error;
        },
      );
      this.pipes.set(key, pipe);
    }
    return pipe;
  }

  consumerAdded(slot: RouterSlot): void {
    slot.consumers += 1;
    slot.worker.consumers += 1;
  }

  consumerRemoved(slot: RouterSlot): void {
    slot.consumers -= 1;
    slot.worker.consumers -= 1;
  }

  /** Counts a speaker's voice towards "who is speaking". */
  async observe(producer: types.Producer): Promise<void> {
    await this.levels.addProducer({ producerId: producer.id });
  }

  /** The speaker's RTP delivered to this process (for captions), through a DirectTransport consumer. */
  async tap(producer: types.Producer, onRtp: (packet: Buffer) => void): Promise<types.Consumer> {
    this.direct ??= this.primary.router.createDirectTransport();
    const transport = await this.direct;
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: this.primary.router.rtpCapabilities });
    consumer.on('rtp', onRtp);
    return consumer;
  }

  private async addSlot(worker: MediaWorker): Promise<RouterSlot> {
    const router = await this.options.pool.createRouter(worker);
    if (this.closed) {
      router.close();
      throw new Error('room media closed');
    }
    const slot: RouterSlot = { router, worker, consumers: 0 };
    this.extra.push(slot);
    this.watch(slot);
    return slot;
  }

  /** Idempotent; closes every router of the room (and with them all transports). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of [this.primary, ...this.extra]) slot.router.close();
    this.removeAllListeners();
  }

  private watch(slot: RouterSlot): void {
    slot.router.on('workerclose', () => {
      if (this.closed) return;
      this.emit('lost');
      this.close();
    });
  }
}
