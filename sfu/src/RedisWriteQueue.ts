import type { ChainableCommander, Redis } from 'ioredis';
import { isRedisConnectionError } from '@parley/protocol/streams';

/** Bytes held by every queue of a process while Redis is away; shared, so one bound covers them all. */
export interface OutageBudget {
  usedBytes: number;
  readonly maxBytes: number;
}

export interface QueuedWrite {
  /** Queues the write's commands on a MULTI (called again for each attempt). */
  build(multi: ChainableCommander): void;
  /** Counted against the outage budget until written. */
  bytes: number;
  /** Told once the write is in Redis. */
  written?: () => void;
}

export interface RedisWriteQueueOptions {
  budget: OutageBudget;
  /** A write Redis refused (not an outage: a bad command, out of memory); it is dropped. */
  onRefused: (error: Error) => void;
  /** Pause between attempts while Redis is away. */
  retryMs?: number;
}

/**
 * Writes one producer's commands to Redis in order, each as one MULTI. What cannot be written
 * because Redis is away waits here and goes out, still in order, as soon as Redis is back; the
 * caller checks `hasRoom()` before starting something new, so what waits stays within the budget.
 */
export class RedisWriteQueue {
  private readonly queue: QueuedWrite[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisWriteQueueOptions,
  ) {}

  /** Writes waiting (Redis is away, or they are on their way). */
  get pending(): number {
    return this.queue.length;
  }

  /** Whether the shared budget has room for more to wait. */
  hasRoom(): boolean {
    return this.options.budget.usedBytes < this.options.budget.maxBytes;
  }

  push(write: QueuedWrite): void {
    if (this.closed) return;
    this.queue.push(write);
    this.options.budget.usedBytes += write.bytes;
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves when everything pushed so far is written (or the queue was closed). */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    const retryMs = this.options.retryMs ?? 250;
    while (this.queue.length && !this.closed) {
      const write = this.queue[0]!;
      if (this.redis.status !== 'ready') {
        await this.readyOrTimeout(retryMs * 4);
        continue;
      }
      const multi = this.redis.multi();
      write.build(multi);
      let results: [Error | null, unknown][] | null;
      try {
        results = await multi.exec();
      } catch (error) {
        // The connection went: the same write again shortly. Refused as a whole (EXECABORT): dropped.
        if (isRedisConnectionError(error) || this.redis.status !== 'ready') {
          await new Promise((r) => setTimeout(r, retryMs));
          continue;
        }
        this.options.onRefused(error as Error);
        this.shift();
        continue;
      }
      const refused = results?.find(([err]) => err)?.[0];
      if (refused) this.options.onRefused(refused);
      this.shift();
      write.written?.();
    }
  }

  private shift(): void {
    const write = this.queue.shift();
    if (write) this.options.budget.usedBytes -= write.bytes;
  }

  private readyOrTimeout(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.redis.once('ready', done);
    });
  }

  /** Idempotent: drops what waits (the process is stopping). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    while (this.queue.length) this.shift();
  }
}
