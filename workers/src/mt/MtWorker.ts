import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LanguageCode } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, STREAMS, StreamConsumer, type MtJob } from '@parley/protocol/streams';
import { CaptionPublisher } from '../CaptionPublisher.js';
import type { WorkerMetrics } from '../metrics/WorkerMetrics.js';
import type { MtEngine } from './MtEngine.js';

export interface MtWorkerOptions {
  redis: Redis;
  engine: MtEngine;
  consumer: string;
  log: Logger;
  /** Jobs pending this long on a worker that stopped are claimed by another. */
  claimIdleMs?: number;
  maxDeliveries?: number;
  metrics?: WorkerMetrics;
  /** Jobs translated at once (of different utterances; one utterance's jobs go in order). */
  concurrency?: number;
}

/** The jobs of one utterance in hand: each waits for the one before it. */
interface UtteranceQueue {
  tail: Promise<void>;
  /** The newest revision of the utterance in hand. */
  latestSeq: number;
  latestIsFinal: boolean;
}

/** Translates recognised text into each language its room reads and publishes the captions. */
export class MtWorker {
  private readonly consumer: StreamConsumer<MtJob>;
  private readonly captions: CaptionPublisher;
  private readonly utterances = new Map<string, UtteranceQueue>();
  translated = 0;
  /** Interims not translated because a newer revision of their utterance was already in hand. */
  superseded = 0;
  /** Finals written to the transcript stream. */
  transcribed = 0;

  constructor(private readonly options: MtWorkerOptions) {
    this.captions = new CaptionPublisher(options.redis, options.metrics);
    // Several utterances at once, so one speaker's interims never hold up another's final; each
    // utterance's revisions in stream order, so they reach readers in the order they were made.
    this.consumer = new StreamConsumer<MtJob>({
      concurrency: options.concurrency ?? 1,
      redis: options.redis,
      stream: STREAMS.mtJobs,
      group: CONSUMER_GROUPS.mt,
      consumer: options.consumer,
      leaseMs: options.claimIdleMs ?? 15_000,
      maxDeliveries: options.maxDeliveries ?? 3,
      log: options.log,
      what: 'mt job',
      describe: (job) => `utterance ${job.utteranceId} (${job.kind} ${job.seq})`,
      logFields: (job) => ({ utteranceId: job.utteranceId }),
      handle: (delivery) => this.inOrder(delivery.value),
      // A taken-over entry's age is its first worker's failure, not queueing.
      onDelivery: (delivery) => {
        if (!delivery.takenOver) options.metrics?.tookEntry('mt_queue', delivery.id);
      },
      onDeadLetter: () => options.metrics?.deadLettered(REDIS_KEYS.mtJobs),
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  /** Runs `job` after the jobs of its utterance already in hand; an interim a newer revision has overtaken is skipped. */
  private async inOrder(job: MtJob): Promise<void> {
    const queue = this.utterances.get(job.utteranceId) ?? { tail: Promise.resolve(), latestSeq: -1, latestIsFinal: false };
    if (job.seq >= queue.latestSeq) {
      queue.latestSeq = job.seq;
      queue.latestIsFinal = job.kind === 'final';
    }
    const run = queue.tail.then(async () => {
      // Readers would replace it at once: the revision after it is already here (or the final is).
      if (job.kind === 'interim' && (queue.latestSeq > job.seq || queue.latestIsFinal)) {
        this.superseded += 1;
        this.options.metrics?.interimShed('superseded');
        return;
      }
      const startedAt = performance.now();
      await this.translateAndPublish(job);
      this.options.metrics?.stage('mt_translate', (performance.now() - startedAt) / 1_000);
    });
    // A failed job is redelivered by the consumer; the ones after it go on.
    const tail = run.catch(() => undefined);
    queue.tail = tail;
    this.utterances.set(job.utteranceId, queue);
    try {
      await run;
    } finally {
      if (queue.tail === tail) this.utterances.delete(job.utteranceId);
    }
  }

  private async translateAndPublish(job: MtJob): Promise<void> {
    const { engine } = this.options;
    const translations: Partial<Record<LanguageCode, string>> = {};
    const mtEngines: Partial<Record<LanguageCode, string>> = {};
    await Promise.all(
      job.targetLangs
        .filter((lang) => lang !== job.srcLang)
        .map(async (lang) => {
          const text = job.text ? await engine.translate(job.text, job.srcLang, lang) : '';
          translations[lang] = text;
          mtEngines[lang] = engine.nameFor?.(job.srcLang, lang) ?? engine.name;
          await this.captions.publish({
            room: job.room,
            utteranceId: job.utteranceId,
            seq: job.seq,
            kind: job.kind,
            speakerId: job.speakerId,
            speakerName: job.speakerName,
            lang,
            text,
            sourceLang: job.srcLang,
            sourceText: job.text,
            engine: `${job.sttEngine}+${engine.nameFor?.(job.srcLang, lang) ?? engine.name}`,
            audioEndAtMs: job.audioEndAtMs,
          });
          this.translated += 1;
        }),
    );
    if (job.kind !== 'final') return;
    this.options.log.debug({ utteranceId: job.utteranceId, room: job.room, langs: Object.keys(translations) }, 'final caption translated and published');
    if (!job.text) return;
    // Written before the job is acked: a worker that dies here leaves the job to be redone, and the
    // transcript writer keeps one row per utterance however often it arrives.
    await STREAMS.transcript.add(this.options.redis, {
      utteranceId: job.utteranceId,
      room: job.room,
      speakerId: job.speakerId,
      speakerName: job.speakerName,
      seq: job.seq,
      srcLang: job.srcLang,
      text: job.text,
      translations,
      sttEngine: job.sttEngine,
      mtEngines,
      startedAtMs: job.startedAtMs,
      audioEndAtMs: job.audioEndAtMs,
    });
    this.transcribed += 1;
    this.options.metrics?.transcriptEntryQueued();
  }

  /** Idempotent; jobs in flight stay pending and are claimed by another worker. */
  async close(): Promise<void> {
    await this.consumer.close();
  }
}
