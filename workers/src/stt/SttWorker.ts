import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LanguageCode } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, recordToFields, sttAssignmentSchema, type SttAssignment } from '@parley/protocol/streams';
import { CaptionPublisher } from '../CaptionPublisher.js';
import { streamBacklog } from '../metrics/streamBacklog.js';
import type { WorkerMetrics } from '../metrics/WorkerMetrics.js';
import { autoClaim, ensureConsumerGroup, readGroup, type StreamEntry } from '../redisStreams.js';
import type { SttEngine } from './SttEngine.js';
import { UtteranceJob, type RecognisedText } from './UtteranceJob.js';

export interface SttWorkerOptions {
  redis: Redis;
  engine: SttEngine;
  consumer: string;
  concurrency: number;
  leaseMs: number;
  interimIntervalSeconds: number;
  /** Interim translations are skipped while the mt backlog is deeper than this. */
  maxQueueDepth: number;
  log: Logger;
  chunkTimeoutMs?: number;
  /** An utterance delivered this many times without finishing is set aside as poison. */
  maxDeliveries?: number;
  metrics?: WorkerMetrics;
}

const MT_STREAM_MAXLEN = 100_000;

/**
 * Takes utterances from the assignment stream (consumer group), decodes each on one reader
 * connection, and writes interim and final text out. Holds each utterance by renewing its pending
 * entry; another worker takes over entries left idle past the lease (this one died).
 */
export class SttWorker {
  private readonly active = new Map<string, { assignment: SttAssignment; lost: boolean }>();
  private readonly idleReaders: Redis[] = [];
  private readonly allReaders: Redis[] = [];
  private readonly groupReader: Redis;
  private readonly captions: CaptionPublisher;
  private slotFreed: (() => void) | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;
  finals = 0;
  interims = 0;

  constructor(private readonly options: SttWorkerOptions) {
    this.groupReader = options.redis.duplicate();
    for (let i = 0; i < options.concurrency; i++) {
      const reader = options.redis.duplicate();
      this.idleReaders.push(reader);
      this.allReaders.push(reader);
    }
    this.captions = new CaptionPublisher(options.redis, options.metrics);
  }

  get activeUtterances(): number {
    return this.active.size;
  }

  async start(): Promise<void> {
    await ensureConsumerGroup(this.options.redis, REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt);
    this.leaseTimer = setInterval(() => void this.renewAndReclaim(), Math.max(200, Math.floor(this.options.leaseMs / 3)));
    this.loop = this.readAssignments();
  }

  private async readAssignments(): Promise<void> {
    const { consumer, log } = this.options;
    while (!this.closed) {
      if (this.active.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let entries: StreamEntry[];
      try {
        entries = await readGroup(this.groupReader, REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, consumer, 1, 1_000);
      } catch (error) {
        if (this.closed) return;
        log.warn({ err: (error as Error).message }, 'reading assignments failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [id, fields] of entries) void this.startJob(id, fields, false);
    }
  }

  /** Keeps our utterances' entries fresh and adopts ones whose worker stopped renewing. */
  private async renewAndReclaim(): Promise<void> {
    const { redis, consumer, leaseMs, log } = this.options;
    try {
      for (const [id, job] of this.active) {
        const pending = (await redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, id, id, 1)) as [string, string, number, number][];
        if (pending[0]?.[1] !== consumer) {
          job.lost = true;
          continue;
        }
        await redis.xclaim(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, consumer, 0, id, 'JUSTID');
      }
      const free = this.options.concurrency - this.active.size;
      if (free > 0 && !this.closed) {
        const claimed = await autoClaim(redis, REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, consumer, leaseMs, free);
        for (const [id, fields] of claimed) if (!this.active.has(id)) void this.startJob(id, fields, true);
      }
    } catch (error) {
      if (!this.closed) log.warn({ err: (error as Error).message }, 'lease renewal failed');
    }
  }

  private async startJob(entryId: string, fields: (string | Buffer)[], takenOver: boolean): Promise<void> {
    const { redis, log } = this.options;
    const parsed = sttAssignmentSchema.safeParse(fieldsToRecord(fields));
    if (!parsed.success) {
      await this.deadLetter(entryId, `malformed assignment: ${parsed.error.issues[0]?.message}`, undefined);
      return;
    }
    const assignment = parsed.data;
    if (!this.options.engine.languages.includes(assignment.srcLang)) {
      // Retrying cannot help: set it aside now, and drop its audio.
      await this.deadLetter(entryId, `no speech recognition engine here serves "${assignment.srcLang}" (${this.options.engine.name} serves ${this.options.engine.languages.join(', ')}); utterance ${assignment.utteranceId} was not transcribed`, assignment.utteranceId);
      await redis.del(REDIS_KEYS.utteranceAudio(assignment.utteranceId));
      return;
    }
    if (takenOver) {
      const pending = (await redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, entryId, entryId, 1)) as [string, string, number, number][];
      const deliveries = pending[0]?.[3] ?? 0;
      if (deliveries > (this.options.maxDeliveries ?? 3)) {
        await this.deadLetter(entryId, `utterance ${assignment.utteranceId} was delivered ${deliveries} times without finishing`, assignment.utteranceId);
        return;
      }
      log.info({ utteranceId: assignment.utteranceId, deliveries }, 'took over an utterance from a stalled worker');
    } else {
      this.options.metrics?.tookEntry('stt_queue', entryId);
    }
    const reader = this.idleReaders.pop();
    if (!reader) return; // Over capacity: the entry stays pending and is reclaimed later.
    const job = { assignment, lost: false };
    this.active.set(entryId, job);
    try {
      const outcome = await new UtteranceJob({
        assignment,
        engine: this.options.engine,
        reader,
        interimIntervalSeconds: this.options.interimIntervalSeconds,
        chunkTimeoutMs: this.options.chunkTimeoutMs ?? 30_000,
        stillOwned: () => !job.lost && !this.closed,
        onText: (text) => this.output(assignment, text),
        onInterimShed: () => this.options.metrics?.interimShed('decoder_behind'),
      }).run();
      if (outcome !== 'lost' && !this.closed) {
        await redis.multi().xack(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, entryId).del(REDIS_KEYS.utteranceAudio(assignment.utteranceId)).exec();
      }
    } catch (error) {
      // Left pending: after the lease another worker (or this one) retries it, up to maxDeliveries.
      if (!this.closed) log.error({ err: error, utteranceId: assignment.utteranceId }, 'utterance failed');
    } finally {
      this.active.delete(entryId);
      this.idleReaders.push(reader);
      this.slotFreed?.();
      this.slotFreed = undefined;
    }
  }

  /** Publishes the source-language caption and queues translations (and every final, for the transcript). */
  private async output(assignment: SttAssignment, recognised: RecognisedText): Promise<void> {
    const { redis, engine } = this.options;
    if (recognised.kind === 'final') this.finals += 1;
    else this.interims += 1;
    this.options.metrics?.recognised(recognised.kind, recognised.audioEndAtMs);
    if (assignment.targetLangs.includes(assignment.srcLang)) {
      await this.captions.publish({
        room: assignment.room,
        utteranceId: assignment.utteranceId,
        seq: recognised.seq,
        kind: recognised.kind,
        speakerId: assignment.speakerId,
        speakerName: assignment.speakerName,
        lang: assignment.srcLang,
        text: recognised.text,
        sourceLang: assignment.srcLang,
        sourceText: recognised.text,
        engine: engine.name,
        audioEndAtMs: recognised.audioEndAtMs,
      });
    }
    const targets: LanguageCode[] = assignment.targetLangs.filter((l) => l !== assignment.srcLang);
    // Finals always go on: the mt worker writes each one, translated or not, to the kept transcript.
    if (!targets.length && recognised.kind === 'interim') return;
    // Counted, not Redis' reported lag (wrong once the stream is trimmed); stops counting past the limit.
    if (recognised.kind === 'interim' && (await streamBacklog(redis, REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, this.options.maxQueueDepth + 1)).lag > this.options.maxQueueDepth) {
      this.options.metrics?.interimShed('mt_backlog');
      return;
    }
    await redis.xadd(
      REDIS_KEYS.mtJobs,
      'MAXLEN',
      '~',
      MT_STREAM_MAXLEN,
      '*',
      ...recordToFields({
        utteranceId: assignment.utteranceId,
        room: assignment.room,
        speakerId: assignment.speakerId,
        speakerName: assignment.speakerName,
        seq: recognised.seq,
        kind: recognised.kind,
        srcLang: assignment.srcLang,
        targetLangs: targets,
        text: recognised.text,
        sttEngine: engine.name,
        startedAtMs: assignment.startedAtMs,
        audioEndAtMs: recognised.audioEndAtMs,
      }),
    );
  }

  private async deadLetter(entryId: string, reason: string, utteranceId: string | undefined): Promise<void> {
    const { redis, log } = this.options;
    log.warn({ entry: entryId, utteranceId, reason }, 'moved an assignment to the dead-letter stream');
    this.options.metrics?.deadLettered(REDIS_KEYS.sttAssign);
    await redis
      .multi()
      .xadd(REDIS_KEYS.deadLetter, 'MAXLEN', '~', 10_000, '*', 'stream', REDIS_KEYS.sttAssign, 'entry', entryId, 'reason', reason)
      .xack(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, entryId)
      .exec();
  }

  /** Idempotent: stops taking work; utterances in flight stay pending for another worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.leaseTimer);
    this.slotFreed?.();
    const connections = [this.groupReader, ...this.allReaders];
    for (const c of connections) c.disconnect();
    await this.loop?.catch(() => {});
  }
}
