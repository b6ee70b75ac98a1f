import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, transcriptEntrySchema } from '@parley/protocol/streams';
import type { TranscriptStore } from './TranscriptStore.js';

type StreamEntry = [id: string, fields: Buffer[] | null];

export interface TranscriptWriterOptions {
  /** A connection of its own: the writer blocks on it. */
  redis: Redis;
  store: TranscriptStore;
  /** This writer's name in the consumer group; a restarted writer may reuse it or take a new one. */
  consumer: string;
  log: Logger;
  /** Entries another writer took and left unacknowledged this long are claimed (it died). */
  claimIdleMs?: number;
  blockMs?: number;
  batchSize?: number;
}

/**
 * Stores every final caption from the durable transcript stream. At-least-once from Redis, made
 * exactly-once by the store (idempotent on utterance id): store, commit, then XACK. A writer that
 * dies leaves its entries pending; it re-reads its own on restart and others claim them.
 */
export class TranscriptWriter {
  private readonly claimIdleMs: number;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Stored (or found already stored) and acknowledged, since start. */
  stored = 0;
  deadLettered = 0;

  constructor(private readonly options: TranscriptWriterOptions) {
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.blockMs = options.blockMs ?? 1_000;
    this.batchSize = options.batchSize ?? 50;
  }

  async start(): Promise<void> {
    try {
      await this.options.redis.xgroup('CREATE', REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    let ownPendingDone = false;
    let lastClaimMs = 0;
    while (!this.closed) {
      try {
        // First what this consumer name read but never acknowledged (a restart under the same name).
        if (!ownPendingDone) {
          const own = await this.read('0');
          if (own.length === 0) ownPendingDone = true;
          await this.handleAll(own);
          continue;
        }
        if (Date.now() - lastClaimMs >= Math.min(this.claimIdleMs, 5_000)) {
          lastClaimMs = Date.now();
          const claimed = await this.claim();
          if (claimed.length) this.options.log.info({ count: claimed.length }, 'claimed transcript entries a stopped writer left');
          await this.handleAll(claimed);
        }
        await this.handleAll(await this.read('>'));
      } catch (error) {
        if (this.closed) return;
        // Database or Redis trouble: nothing was acknowledged, so the entries come back; wait a little.
        this.options.log.warn({ err: error }, 'transcript writer could not store entries; retrying');
        ownPendingDone = false;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async read(from: '0' | '>'): Promise<StreamEntry[]> {
    const args: (string | number)[] = ['GROUP', CONSUMER_GROUPS.transcript, this.options.consumer, 'COUNT', this.batchSize];
    if (from === '>') args.push('BLOCK', this.blockMs);
    const reply = (await this.options.redis.callBuffer('XREADGROUP', ...args, 'STREAMS', REDIS_KEYS.transcript, from)) as
      | [Buffer, [Buffer, Buffer[] | null][]][]
      | null;
    if (!reply) return [];
    return reply.flatMap(([, entries]) => entries.map(([id, fields]): StreamEntry => [id.toString(), fields]));
  }

  private async claim(): Promise<StreamEntry[]> {
    const reply = (await this.options.redis.callBuffer(
      'XAUTOCLAIM',
      REDIS_KEYS.transcript,
      CONSUMER_GROUPS.transcript,
      this.options.consumer,
      this.claimIdleMs,
      '0-0',
      'COUNT',
      this.batchSize,
    )) as [Buffer, [Buffer, Buffer[] | null][]];
    return reply[1].map(([id, fields]): StreamEntry => [id.toString(), fields]);
  }

  /** In stream order, one at a time: each is committed before it is acknowledged. */
  private async handleAll(entries: StreamEntry[]): Promise<void> {
    for (const [id, fields] of entries) {
      if (this.closed) return;
      await this.handle(id, fields);
    }
  }

  private async handle(id: string, fields: Buffer[] | null): Promise<void> {
    const { redis, store, log } = this.options;
    if (fields === null) {
      // Trimmed from the stream while pending: nothing left to store.
      await redis.xack(REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript, id);
      return;
    }
    const parsed = transcriptEntrySchema.safeParse(fieldsToRecord(fields));
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      log.warn({ id, reason }, 'malformed transcript entry sent to the dead-letter stream');
      await redis.xadd(REDIS_KEYS.deadLetter, '*', 'stream', REDIS_KEYS.transcript, 'id', id, 'reason', reason.slice(0, 500));
      await redis.xack(REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript, id);
      this.deadLettered++;
      return;
    }
    await store.store(parsed.data);
    await redis.xack(REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript, id);
    log.debug({ utteranceId: parsed.data.utteranceId, room: parsed.data.room }, 'final caption stored in the transcript');
    this.stored++;
  }

  /** Idempotent: stops reading; an entry being stored finishes or stays pending for the next writer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.redis.disconnect();
    await this.running?.catch(() => undefined);
  }
}
