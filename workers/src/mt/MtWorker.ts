import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LanguageCode } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, mtJobSchema, transcriptEntryFields, type MtJob } from '@parley/protocol/streams';
import { CaptionPublisher } from '../CaptionPublisher.js';
import type { WorkerMetrics } from '../metrics/WorkerMetrics.js';
import { autoClaim, ensureConsumerGroup, readGroup, type StreamEntry } from '../redisStreams.js';
import { MtError, type MtEngine } from './MtEngine.js';

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
  private readonly reader: Redis;
  private readonly captions: CaptionPublisher;
  private loop: Promise<void> | undefined;
  private closed = false;
  translated = 0;
  /** Finals written to the transcript stream. */
  transcribed = 0;

  constructor(private readonly options: MtWorkerOptions) {
    this.reader = options.redis.duplicate();
    this.captions = new CaptionPublisher(options.redis, options.metrics);
  }

  async start(): Promise<void> {
    await ensureConsumerGroup(this.options.redis, REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { redis, consumer, log } = this.options;
    const claimIdleMs = this.options.claimIdleMs ?? 15_000;
    let lastClaimAtMs = 0;
    while (!this.closed) {
      let entries: StreamEntry[] = [];
      let claimed = false;
      try {
        if (Date.now() - lastClaimAtMs > claimIdleMs / 2) {
          lastClaimAtMs = Date.now();
          entries = await autoClaim(redis, REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, consumer, claimIdleMs, 10);
          claimed = entries.length > 0;
        }
        if (!entries.length) entries = await readGroup(this.reader, REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, consumer, 10, 1_000);
      } catch (error) {
        if (this.closed) return;
        log.warn({ err: (error as Error).message }, 'reading mt jobs failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [id, fields] of entries) {
        // A claimed entry's age is its first worker's failure, not queueing.
        if (!claimed) this.options.metrics?.tookEntry('mt_queue', id);
        await this.handle(id, fields);
      }
    }
  }

  private async handle(id: string, fields: (string | Buffer)[]): Promise<void> {
    const { redis, log, metrics } = this.options;
    const parsed = mtJobSchema.safeParse(fieldsToRecord(fields));
    if (!parsed.success) {
      await this.deadLetter(id, `malformed mt job: ${parsed.error.issues[0]?.message}`, undefined);
      return;
    }
    const { utteranceId } = parsed.data;
    const startedAt = performance.now();
    try {
      await this.translateAndPublish(parsed.data);
      await redis.xack(REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, id);
      metrics?.stage('mt_translate', (performance.now() - startedAt) / 1_000);
    } catch (error) {
      if (error instanceof MtError && !error.retryable) {
        await this.deadLetter(id, error.message, utteranceId);
        return;
      }
      const pending = (await redis.xpending(REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, id, id, 1)) as [string, string, number, number][];
      if ((pending[0]?.[3] ?? 0) >= (this.options.maxDeliveries ?? 3)) await this.deadLetter(id, (error as Error).message, utteranceId);
      else log.warn({ err: (error as Error).message, entry: id, utteranceId }, 'translation failed; it will be retried');
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
    if (job.kind !== 'final' || !job.text) return;
    // Written before the job is acked: a worker that dies here leaves the job to be redone, and the
    // transcript writer keeps one row per utterance however often it arrives.
    await this.options.redis.xadd(
      REDIS_KEYS.transcript,
      '*',
      ...transcriptEntryFields({
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
      }),
    );
    this.transcribed += 1;
    this.options.metrics?.transcriptEntryQueued();
  }

  private async deadLetter(entryId: string, reason: string, utteranceId: string | undefined): Promise<void> {
    this.options.log.warn({ entry: entryId, utteranceId, reason }, 'moved an mt job to the dead-letter stream');
    this.options.metrics?.deadLettered(REDIS_KEYS.mtJobs);
    await this.options.redis
      .multi()
      .xadd(REDIS_KEYS.deadLetter, 'MAXLEN', '~', 10_000, '*', 'stream', REDIS_KEYS.mtJobs, 'entry', entryId, 'reason', reason)
      .xack(REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, entryId)
      .exec();
  }

  /** Idempotent; jobs in flight stay pending and are claimed by another worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader.disconnect();
    await this.loop?.catch(() => {});
  }
}
