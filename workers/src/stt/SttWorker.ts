import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LanguageCode } from '@parley/protocol';
import { CONSUMER_GROUPS, PermanentFailure, REDIS_KEYS, STREAMS, StreamConsumer, streamBacklog, type Delivery, type SttAssignment } from '@parley/protocol/streams';
import { CaptionPublisher } from '../CaptionPublisher.js';
import type { WorkerMetrics } from '../metrics/WorkerMetrics.js';
import { withRoomNames, type NameLexicon } from '../text/properNouns.js';
import type { SttEngine } from './SttEngine.js';
import { UtteranceJob, type RecognisedText } from './UtteranceJob.js';

export interface SttWorkerOptions {
  redis: Redis;
  engine: SttEngine;
  /**
   * Clean up the engine's bare words for reading (sentence case, "I", numbers, punctuation from
   * pauses); off for engines that punctuate themselves.
   */
  readableText: boolean;
  /** Names the readable text writes with their capitals ("madrid" → "Madrid"), with the room's people's. */
  names?: NameLexicon;
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

/**
 * Takes utterances from the assignment stream and decodes each on a reader connection of its own,
 * writing interim and final text out. The StreamConsumer holds each utterance by renewing its
 * entry; another worker takes over entries left past the lease (this one died) and decodes the
 * utterance again from its first chunk.
 */
export class SttWorker {
  private readonly idleReaders: Redis[] = [];
  private readonly allReaders: Redis[] = [];
  private readonly consumer: StreamConsumer<SttAssignment>;
  private readonly captions: CaptionPublisher;
  private closed = false;
  finals = 0;
  interims = 0;

  constructor(private readonly options: SttWorkerOptions) {
    for (let i = 0; i < options.concurrency; i++) {
      const reader = options.redis.duplicate();
      // Outages are reported by the main connection; without a listener ioredis prints each failed reconnect.
      reader.on('error', () => undefined);
      this.idleReaders.push(reader);
      this.allReaders.push(reader);
    }
    this.captions = new CaptionPublisher(options.redis, options.metrics);
    this.consumer = new StreamConsumer<SttAssignment>({
      redis: options.redis,
      stream: STREAMS.sttAssign,
      group: CONSUMER_GROUPS.stt,
      consumer: options.consumer,
      concurrency: options.concurrency,
      leaseMs: options.leaseMs,
      maxDeliveries: options.maxDeliveries ?? 3,
      log: options.log,
      what: 'assignment',
      describe: (assignment) => `utterance ${assignment.utteranceId}`,
      logFields: (assignment) => ({ utteranceId: assignment.utteranceId }),
      handle: (delivery) => this.decode(delivery),
      // A taken-over entry's age is its first worker's failure, not queueing.
      onDelivery: (delivery) => {
        if (!delivery.takenOver) options.metrics?.tookEntry('stt_queue', delivery.id);
      },
      onDeadLetter: () => options.metrics?.deadLettered(REDIS_KEYS.sttAssign),
      // The audio is needed until the final is out; then it goes with the acknowledgement.
      onAck: (multi, delivery) => void multi.del(REDIS_KEYS.utteranceAudio(delivery.value.utteranceId)),
    });
  }

  get activeUtterances(): number {
    return this.consumer.active;
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  private async decode(delivery: Delivery<SttAssignment>): Promise<'release' | void> {
    const { redis, engine } = this.options;
    const assignment = delivery.value;
    if (!engine.languages.includes(assignment.srcLang)) {
      // Retrying cannot help: drop its audio and set it aside now.
      await redis.del(REDIS_KEYS.utteranceAudio(assignment.utteranceId));
      throw new PermanentFailure(`no speech recognition engine here serves "${assignment.srcLang}" (${engine.name} serves ${engine.languages.join(', ')}); it was not transcribed`);
    }
    const reader = this.idleReaders.pop();
    if (!reader) return 'release'; // The consumer never hands out more than `concurrency`; kept for safety.
    try {
      const outcome = await new UtteranceJob({
        assignment,
        engine,
        readableText: this.options.readableText,
        properNouns: this.options.names && withRoomNames(this.options.names, assignment.names),
        reader,
        interimIntervalSeconds: this.options.interimIntervalSeconds,
        chunkTimeoutMs: this.options.chunkTimeoutMs ?? 30_000,
        // Taken over, or taken up again after a Redis outage: captions of it may already be out.
        replaying: delivery.takenOver || delivery.retried,
        stillOwned: () => delivery.held && !this.closed,
        onText: (text) => this.output(assignment, text),
        onInterimShed: () => this.options.metrics?.interimShed('decoder_behind'),
      }).run();
      return outcome === 'lost' ? 'release' : undefined;
    } finally {
      this.idleReaders.push(reader);
    }
  }

  /** Publishes the source-language caption and queues translations (and every final, for the transcript). */
  private async output(assignment: SttAssignment, recognised: RecognisedText): Promise<void> {
    const { redis, engine } = this.options;
    if (recognised.kind === 'final') this.finals += 1;
    else this.interims += 1;
    this.options.metrics?.recognised(recognised.kind, recognised.audioEndAtMs);
    if (recognised.kind === 'final') this.options.log.debug({ utteranceId: assignment.utteranceId, room: assignment.room, seq: recognised.seq, words: recognised.text.split(' ').filter(Boolean).length }, 'final text recognised');
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
    await STREAMS.mtJobs.add(redis, {
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
    });
  }

  /** Idempotent: stops taking work; utterances in flight stay pending for another worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.close();
    for (const reader of this.allReaders) reader.disconnect();
  }
}
