import type { ChainableCommander, Redis } from 'ioredis';
import { STREAMS } from './writers.js';
import type { StreamFields, TypedStream } from './TypedStream.js';

/** The slice of a pino logger the consumer uses. */
export interface ConsumerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One entry handed to a handler. */
export interface Delivery<T> {
  id: string;
  value: T;
  /** How many times Redis has handed this entry out, this time included. */
  deliveries: number;
  /** Claimed from a consumer that stopped renewing its lease (it died or hung). */
  takenOver: boolean;
  /** False once another consumer took the entry over, or this consumer closed: stop and write nothing more. */
  readonly held: boolean;
}

/** Retrying cannot help (bad input, a language nobody serves): the entry is set aside at once. */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
  readonly retryable = false;
}

/**
 * What a handler's promise means: resolved → the entry is acknowledged; resolved with 'release'
 * → left pending for another try (the work was given up, e.g. the lease was lost); rejected with
 * a PermanentFailure (or any error with `retryable: false`) → dead-letter stream now; rejected
 * otherwise → retried after the lease, and set aside once it has been delivered maxDeliveries times.
 */
export type HandlerResult = void | 'release';

export interface StreamConsumerOptions<T> {
  redis: Redis;
  stream: TypedStream<T>;
  group: string;
  consumer: string;
  handle: (delivery: Delivery<T>) => Promise<HandlerResult>;
  log: ConsumerLog;
  /** Entries handled at once. */
  concurrency?: number;
  /** An entry not renewed for this long is taken over by another consumer; held entries are renewed every third of it. */
  leaseMs: number;
  maxDeliveries?: number;
  /** Longest XREADGROUP block; also how late close() may notice. */
  blockMs?: number;
  /** What an entry is, for messages: "assignment", "mt job". */
  what?: string;
  /** Names one entry in dead-letter reasons, e.g. "utterance spk-7". */
  describe?: (value: T) => string;
  /** Fields on every log line about an entry, e.g. its utteranceId, so its whole story can be found. */
  logFields?: (value: T) => Record<string, unknown>;
  /** Each entry handed to the handler, before it runs (metrics: how long it waited). */
  onDelivery?: (delivery: Delivery<T>) => void;
  /** Each entry moved to the dead-letter stream. */
  onDeadLetter?: (entryId: string, reason: string) => void;
  /** Commands written atomically with the acknowledgement (e.g. deleting data the entry owned). */
  onAck?: (multi: ChainableCommander, delivery: Delivery<T>) => void;
}

/** Renews an entry only if this consumer still owns it, in one step (no stealing back a taken-over entry). */
const RENEW_SCRIPT = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if p[1] and p[1][2] == ARGV[3] then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
  return 1
end
return 0`;

interface HeldEntry {
  delivery: { held: boolean };
}

/**
 * The one reader of a consumer group: reads new entries, holds each one it works on by renewing
 * it, takes over entries whose consumer stopped renewing, counts deliveries, validates every
 * entry with the stream's schema, and sets aside what fails (dead-letter stream, with the reason).
 */
export class StreamConsumer<T> {
  private readonly reader: Redis;
  private readonly held = new Map<string, HeldEntry>();
  private readonly concurrency: number;
  private readonly maxDeliveries: number;
  private slotFreed: (() => void) | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private renewing = false;
  private closed = false;

  constructor(private readonly options: StreamConsumerOptions<T>) {
    this.concurrency = options.concurrency ?? 1;
    this.maxDeliveries = options.maxDeliveries ?? 3;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError('StreamConsumer: concurrency must be a positive integer');
    // Blocking reads get a connection of their own so acks and renewals never wait behind them.
    this.reader = options.redis.duplicate();
  }

  /** Entries being handled now. */
  get active(): number {
    return this.held.size;
  }

  async start(): Promise<void> {
    const { redis, stream, group } = this.options;
    try {
      await redis.xgroup('CREATE', stream.key, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.leaseTimer = setInterval(() => void this.renewAndTakeOver(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.loop = this.readNew();
  }

  private async readNew(): Promise<void> {
    const { stream, group, consumer, log } = this.options;
    while (!this.closed) {
      const free = this.concurrency - this.held.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await this.reader.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', free, 'BLOCK', this.options.blockMs ?? 1_000, 'STREAMS', stream.key, '>')) as typeof reply;
      } catch (error) {
        if (this.closed) return;
        log.warn({ err: (error as Error).message, stream: stream.key }, 'reading the stream failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) void this.dispatch(id.toString(), fields, 1, false);
      }
    }
  }

  /** Keeps held entries fresh and adopts ones whose consumer stopped renewing. */
  private async renewAndTakeOver(): Promise<void> {
    if (this.renewing || this.closed) return;
    this.renewing = true;
    const { redis, stream, group, consumer, leaseMs, log } = this.options;
    try {
      for (const [id, entry] of this.held) {
        const renewed = await redis.eval(RENEW_SCRIPT, 1, stream.key, group, id, consumer);
        if (renewed !== 1) entry.delivery.held = false;
      }
      const free = this.concurrency - this.held.size;
      if (free > 0 && !this.closed) {
        const reply = (await redis.callBuffer('XAUTOCLAIM', stream.key, group, consumer, leaseMs, '0-0', 'COUNT', free)) as [Buffer, [Buffer, Buffer[] | null][]];
        for (const [idBuffer, fields] of reply[1]) {
          const id = idBuffer.toString();
          // A null entry was trimmed from the stream while pending: nothing left to do but ack it.
          if (fields === null) {
            await redis.xack(stream.key, group, id);
            continue;
          }
          if (this.held.has(id)) continue;
          const pending = (await redis.xpending(stream.key, group, id, id, 1)) as [string, string, number, number][];
          void this.dispatch(id, fields, pending[0]?.[3] ?? 1, true);
        }
      }
    } catch (error) {
      if (!this.closed) log.warn({ err: (error as Error).message, stream: stream.key }, 'lease renewal failed');
    } finally {
      this.renewing = false;
    }
  }

  private async dispatch(id: string, fields: StreamFields, deliveries: number, takenOver: boolean): Promise<void> {
    const { stream, log } = this.options;
    const parsed = stream.parse(fields);
    if (!parsed.ok) {
      await this.deadLetter(id, `malformed ${this.options.what ?? 'entry'}: ${parsed.error}`);
      return;
    }
    // Delivered too often without finishing: its consumers keep dying on it (a poison entry).
    const what = this.options.what ?? 'entry';
    if (takenOver && deliveries > this.maxDeliveries) {
      await this.deadLetter(id, `${what} was delivered ${deliveries} times without finishing`, parsed.value);
      return;
    }
    if (takenOver) log.info({ stream: stream.key, entry: id, deliveries, ...this.options.logFields?.(parsed.value) }, `took over an ${what} from a stalled consumer`);
    const delivery = { id, value: parsed.value, deliveries, takenOver, held: true };
    this.held.set(id, { delivery });
    try {
      this.options.onDelivery?.(delivery);
      const result = await this.options.handle(delivery);
      if (result !== 'release' && delivery.held && !this.closed) await this.ack(delivery);
    } catch (error) {
      await this.failed(delivery, error);
    } finally {
      this.held.delete(id);
      this.slotFreed?.();
      this.slotFreed = undefined;
    }
  }

  private async ack(delivery: Delivery<T>): Promise<void> {
    const { redis, stream, group } = this.options;
    const multi = redis.multi().xack(stream.key, group, delivery.id);
    this.options.onAck?.(multi, delivery);
    await multi.exec();
  }

  private async failed(delivery: Delivery<T>, error: unknown): Promise<void> {
    const { stream, log } = this.options;
    if (this.closed || !delivery.held) return;
    const message = error instanceof Error ? error.message : String(error);
    try {
      if ((error as { retryable?: unknown }).retryable === false) await this.deadLetter(delivery.id, message, delivery.value);
      else if (delivery.deliveries >= this.maxDeliveries) await this.deadLetter(delivery.id, `failed ${delivery.deliveries} times; last: ${message}`, delivery.value);
      else log.warn({ err: message, stream: stream.key, entry: delivery.id, deliveries: delivery.deliveries, ...this.options.logFields?.(delivery.value) }, `${this.options.what ?? 'entry'} failed; it will be retried after the lease`);
    } catch (writeError) {
      log.error({ err: (writeError as Error).message, stream: stream.key, entry: delivery.id, ...this.options.logFields?.(delivery.value) }, 'could not set a failed entry aside; it stays pending');
    }
  }

  private async deadLetter(id: string, why: string, value?: T): Promise<void> {
    const { redis, stream, group, log, describe, logFields } = this.options;
    const reason = value !== undefined && describe ? `${describe(value)}: ${why}` : why;
    log.warn({ stream: stream.key, entry: id, reason, ...(value !== undefined && logFields?.(value)) }, 'moved an entry to the dead-letter stream');
    this.options.onDeadLetter?.(id, reason);
    const multi = redis.multi();
    STREAMS.deadLetter.addTo(multi, { stream: stream.key, entry: id, reason });
    await multi.xack(stream.key, group, id).exec();
  }

  /** Idempotent: stops taking work; entries in flight are no longer held and stay pending for another consumer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.leaseTimer);
    for (const entry of this.held.values()) entry.delivery.held = false;
    this.slotFreed?.();
    this.reader.disconnect();
    await this.loop?.catch(() => {});
  }
}
