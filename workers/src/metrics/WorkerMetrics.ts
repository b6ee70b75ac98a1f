import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CaptionKind } from '@parley/protocol';
import { ENGINE_BUCKETS_SECONDS, LATENCY_BUCKETS_SECONDS, type PipelineStage } from '@parley/protocol/metrics';
import { CONSUMER_GROUPS, REDIS_KEYS, entryIdTimeMs, streamBacklog, type StreamBacklog } from '@parley/protocol/streams';

/** Stages a worker times; the sfu's own (`vad`, `delivery`) sit beside them in one histogram. */
export type WorkerStage = Exclude<PipelineStage, 'vad' | 'delivery'>;
/** Why an interim caption was not made: the decoder had more audio waiting, or translation was behind. */
export type ShedReason = 'decoder_behind' | 'mt_backlog' | 'superseded';

/** Every stream a consumer group reads; each worker reports all of them, so a kind scaled to zero is still measured. */
export const WATCHED_STREAMS: readonly { stream: string; group: string }[] = [
  { stream: REDIS_KEYS.sttAssign, group: CONSUMER_GROUPS.stt },
  { stream: REDIS_KEYS.mtJobs, group: CONSUMER_GROUPS.mt },
  { stream: REDIS_KEYS.transcript, group: CONSUMER_GROUPS.transcript },
];

/** A scrape reuses one backlog reading this fresh, so several gauges cost one script run. */
const BACKLOG_READING_MAX_AGE_MS = 500;
/** While Redis is away a scrape answers without the backlog rather than waiting on a dead connection. */
const BACKLOG_READING_TIMEOUT_MS = 2_000;

export interface WorkerMetricsOptions {
  kind: 'stt' | 'mt';
  /** Read for the stream backlog and connection state; never blocked on. */
  redis: Redis;
  streams?: readonly { stream: string; group: string }[];
}

/**
 * The Prometheus metrics of one worker process (names in infra/README.md). The worker classes call
 * the few methods below; the stream backlog is read from Redis when Prometheus scrapes.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly captionLatency: Histogram<'kind'>;
  private readonly captionsPublished: Counter<'kind'>;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly engineDuration: Histogram<'engine' | 'operation'>;
  private readonly interimsShed: Counter<'reason'>;
  private readonly deadLetters: Counter<'stream'>;
  private readonly recognisedTexts: Counter<'kind'>;
  private readonly transcriptEntries: Counter;
  private backlogReading: { atMs: number; result: Promise<Map<string, StreamBacklog> | undefined> } | undefined;

  constructor(private readonly options: WorkerMetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'parley_process_info', help: 'Always 1; the label says which Parley process this is.', labelNames: ['kind'], registers }).set({ kind: options.kind }, 1);
    this.captionLatency = new Histogram({
      name: 'parley_caption_latency_seconds',
      help: 'End of the audio a caption covers to the caption published for delivery.',
      labelNames: ['kind'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.captionsPublished = new Counter({ name: 'parley_captions_published_total', help: 'Captions published to the sfu nodes.', labelNames: ['kind'], registers });
    this.stageDuration = new Histogram({
      name: 'parley_stage_duration_seconds',
      help: 'Time one item spends in a pipeline stage (queue stages: from XADD to a worker taking it).',
      labelNames: ['stage'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.engineDuration = new Histogram({
      name: 'parley_engine_duration_seconds',
      help: 'One call into a speech or translation engine.',
      labelNames: ['engine', 'operation'],
      buckets: [...ENGINE_BUCKETS_SECONDS],
      registers,
    });
    this.interimsShed = new Counter({ name: 'parley_interims_shed_total', help: 'Interim captions not made because the pipeline was behind.', labelNames: ['reason'], registers });
    this.deadLetters = new Counter({ name: 'parley_dead_letters_total', help: 'Entries set aside on the dead-letter stream.', labelNames: ['stream'], registers });
    this.recognisedTexts = new Counter({ name: 'parley_stt_results_total', help: 'Interim and final texts recognised.', labelNames: ['kind'], registers });
    this.transcriptEntries = new Counter({ name: 'parley_transcript_entries_queued_total', help: 'Final captions written to the transcript stream.', registers });
    new Gauge({
      name: 'parley_redis_connected',
      help: '1 while the connection to Redis is ready.',
      registers,
      collect() {
        this.set(options.redis.status === 'ready' ? 1 : 0);
      },
    });
    this.registerBacklogGauges(registers);
  }

  private registerBacklogGauges(registers: Registry[]): void {
    const reading = () => this.readBacklog();
    const gauge = (name: string, help: string, pick: (b: StreamBacklog) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['stream', 'group'],
        registers,
        async collect() {
          const backlog = await reading();
          // Unknown is no sample at all, never a stale or zero figure an autoscaler would act on.
          this.reset();
          for (const [key, value] of backlog ?? []) {
            const [stream, group] = key.split('\n') as [string, string];
            this.set({ stream, group }, pick(value));
          }
        },
      });
    gauge('parley_stream_lag_entries', 'Entries the consumer group has not been given yet (counted, not Redis-reported).', (b) => b.lag);
    gauge('parley_stream_pending_entries', 'Entries given to a consumer and not acknowledged yet.', (b) => b.pending);
    gauge('parley_stream_oldest_waiting_seconds', 'Age of the oldest entry the consumer group has not been given yet.', (b) => b.oldestWaitingMs / 1_000);
  }

  private readBacklog(): Promise<Map<string, StreamBacklog> | undefined> {
    const now = Date.now();
    if (this.backlogReading && now - this.backlogReading.atMs < BACKLOG_READING_MAX_AGE_MS) return this.backlogReading.result;
    const streams = this.options.streams ?? WATCHED_STREAMS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), BACKLOG_READING_TIMEOUT_MS)));
    const reads = Promise.all(streams.map(async ({ stream, group }) => [`${stream}\n${group}`, await streamBacklog(this.options.redis, stream, group)] as const));
    reads.catch(() => {}); // A read that outlives the timeout must not become an unhandled rejection.
    const result = Promise.race([reads, timeout])
      .then(
        (entries) => new Map(entries),
        () => undefined,
      )
      .finally(() => clearTimeout(timer));
    this.backlogReading = { atMs: now, result };
    return result;
  }

  /** A caption left this worker for the sfu; its latency counts from the end of its audio. */
  captionPublished(kind: CaptionKind, audioEndAtMs: number): void {
    this.captionsPublished.inc({ kind });
    if (audioEndAtMs > 0) this.captionLatency.observe({ kind }, Math.max(0, Date.now() - audioEndAtMs) / 1_000);
  }

  /** The stt worker recognised a text; a final's delay from the end of its audio is the decode stage. */
  recognised(kind: CaptionKind, audioEndAtMs: number): void {
    this.recognisedTexts.inc({ kind });
    if (kind === 'final' && audioEndAtMs > 0) this.stage('stt_decode', Math.max(0, Date.now() - audioEndAtMs) / 1_000);
  }

  /** A worker took a stream entry: how long it waited since XADD (clamped: clocks may differ a little). */
  tookEntry(stage: 'stt_queue' | 'mt_queue', entryId: string): void {
    this.stage(stage, Math.max(0, Date.now() - entryIdTimeMs(entryId)) / 1_000);
  }

  stage(stage: WorkerStage, seconds: number): void {
    this.stageDuration.observe({ stage }, seconds);
  }

  engineCall(engine: string, operation: string, seconds: number): void {
    this.engineDuration.observe({ engine, operation }, seconds);
  }

  interimShed(reason: ShedReason): void {
    this.interimsShed.inc({ reason });
  }

  deadLettered(stream: string): void {
    this.deadLetters.inc({ stream });
  }

  transcriptEntryQueued(): void {
    this.transcriptEntries.inc();
  }

  /** A gauge read when Prometheus scrapes (e.g. utterances in progress). */
  gaugeFrom(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
