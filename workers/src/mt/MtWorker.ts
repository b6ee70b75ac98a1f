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
}

/** Translates recognised text into each language its room reads and publishes the captions. */
export class MtWorker {
  private readonly consumer: StreamConsumer<MtJob>;
  private readonly captions: CaptionPublisher;
  translated = 0;
  /** Finals written to the transcript stream. */
  transcribed = 0;

  constructor(private readonly options: MtWorkerOptions) {
    this.captions = new CaptionPublisher(options.redis, options.metrics);
    // One job at a time, in stream order: an utterance's revisions reach readers in the order they were made.
    this.consumer = new StreamConsumer<MtJob>({
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
      handle: async (delivery) => {
        const startedAt = performance.now();
        await this.translateAndPublish(delivery.value);
        options.metrics?.stage('mt_translate', (performance.now() - startedAt) / 1_000);
      },
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
