import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Caption } from '@parley/protocol';
import { LATENCY_BUCKETS_SECONDS } from '@parley/protocol/metrics';
import type { AuthFailureReason } from '../auth/SocketTokens.js';
import type { SileroVadStats } from '../audio/SileroVad.js';
import type { MediaWorkerPool } from '../media/MediaWorkerPool.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { ForwardedPackets } from './ForwardedPackets.js';
import { procStats } from './procStats.js';
import { processRegistry } from './processRegistry.js';

export type ReconnectKind = 'socket' | 'ice';
export type SfuStage = 'vad' | 'delivery';

export interface SfuMetricsOptions {
  redis: Pick<Redis, 'status'>;
  /** The node's rooms, once the sfu listens. */
  rooms: () => RoomRegistry | undefined;
}

/**
 * The Prometheus metrics of one sfu node (names in infra/README.md). Rooms, participants and the
 * media processes are read when Prometheus scrapes; the rest is counted as it happens.
 */
export class SfuMetrics {
  readonly registry: Registry;
  readonly forwarded = new ForwardedPackets();
  private readonly delivered: Counter<'kind'>;
  private readonly reconnects: Counter<'kind'>;
  private readonly authFailures: Counter<'reason'>;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly mediaRestarts: Counter;
  private pool: MediaWorkerPool | undefined;

  constructor(options: SfuMetricsOptions) {
    this.registry = processRegistry('sfu', options.redis);
    const registers = [this.registry];
    new Gauge({
      name: 'parley_rooms',
      help: 'Rooms open on this node.',
      registers,
      collect() {
        this.set(options.rooms()?.size ?? 0);
      },
    });
    new Gauge({
      name: 'parley_participants',
      help: 'Participants connected to this node.',
      registers,
      collect() {
        this.set(options.rooms()?.all().reduce((sum, room) => sum + room.size, 0) ?? 0);
      },
    });
    const forwarded = this.forwarded;
    new Counter({
      name: 'parley_forwarded_packets_total',
      help: "RTP packets the media processes sent to listeners (read from mediasoup's consumer stats every few seconds).",
      registers,
      async collect() {
        this.reset();
        this.inc(await forwarded.sample());
      },
    });
    this.delivered = new Counter({ name: 'parley_captions_delivered_total', help: "Captions handed to listeners' sockets (one per socket).", labelNames: ['kind'], registers });
    this.reconnects = new Counter({ name: 'parley_client_reconnects_total', help: 'Clients that came back after losing their socket, or restarted ICE.', labelNames: ['kind'], registers });
    this.authFailures = new Counter({ name: 'parley_auth_failures_total', help: 'Refused socket connections and API requests, by reason.', labelNames: ['reason'], registers });
    this.stageDuration = new Histogram({
      name: 'parley_stage_duration_seconds',
      help: "Time one item spends in a pipeline stage (sfu: vad, a frame's audio arriving → classified; delivery, published by a worker → emitted to sockets).",
      labelNames: ['stage'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.mediaRestarts = new Counter({ name: 'parley_media_process_restarts_total', help: 'Media processes (mediasoup workers) that died and were replaced.', registers });
    this.registerMediaGauges(registers);
  }

  private registerMediaGauges(registers: Registry[]): void {
    const live = () => this.pool?.workers ?? [];
    /** /proc's figures of each live media process, with its labels. */
    const perProcess = () =>
      live().flatMap((w) => {
        const stats = procStats(w.worker.pid);
        return stats ? [{ labels: { process: String(w.index) }, stats }] : [];
      });
    new Gauge({
      name: 'parley_media_processes',
      help: 'Media processes (mediasoup workers) running.',
      registers,
      collect() {
        this.set(live().length);
      },
    });
    // Node's own process metrics leave these child processes out.
    new Counter({
      name: 'parley_media_process_cpu_seconds_total',
      help: 'CPU time of each media process (a replaced process starts again from 0).',
      labelNames: ['process'],
      registers,
      collect() {
        this.reset();
        for (const { labels, stats } of perProcess()) this.inc(labels, stats.cpuSeconds);
      },
    });
    new Gauge({
      name: 'parley_media_process_resident_memory_bytes',
      help: 'Resident memory of each media process.',
      labelNames: ['process'],
      registers,
      collect() {
        this.reset();
        for (const { labels, stats } of perProcess()) this.set(labels, stats.residentBytes);
      },
    });
  }

  /** What VAD classified, and in how many runs of the model: frames over runs is how well speakers' frames were batched. */
  watchVad(vad: { stats(): SileroVadStats }): void {
    const registers = [this.registry];
    new Counter({
      name: 'parley_vad_frames_total',
      help: 'Audio frames (32 ms) VAD classified, all speakers together.',
      registers,
      collect() {
        this.reset();
        this.inc(vad.stats().frames);
      },
    });
    new Counter({
      name: 'parley_vad_inferences_total',
      help: "Runs of the VAD model; each classifies the frames of every speaker that was waiting.",
      registers,
      collect() {
        this.reset();
        this.inc(vad.stats().inferences);
      },
    });
  }

  /** Follows the media processes: their count, restarts, CPU and memory, and what they forward. */
  watchMedia(pool: MediaWorkerPool): void {
    this.pool = pool;
    for (const w of pool.workers) this.forwarded.watch(w.worker);
    pool.on('workerReplaced', (index) => {
      this.mediaRestarts.inc();
      const replacement = pool.workers.find((w) => w.index === index);
      if (replacement) this.forwarded.watch(replacement.worker);
    });
  }

  /** Starts reading forwarding counts in the background (only worth it while someone scrapes). */
  startSampling(): void {
    this.forwarded.start();
  }

  /** A caption went to `sockets` listeners on this node; its delivery is timed from its publication. */
  captionDelivered(caption: Caption, sockets: number): void {
    if (sockets <= 0) return;
    this.delivered.inc({ kind: caption.kind }, sockets);
    if (caption.publishedAtMs !== undefined) this.stage('delivery', Math.max(0, Date.now() - caption.publishedAtMs) / 1_000);
  }

  reconnected(kind: ReconnectKind): void {
    this.reconnects.inc({ kind });
  }

  authFailed(reason: AuthFailureReason): void {
    this.authFailures.inc({ reason });
  }

  stage(stage: SfuStage, seconds: number): void {
    this.stageDuration.observe({ stage }, seconds);
  }

  close(): void {
    this.forwarded.close();
  }
}
