import type { Redis } from 'ioredis';
import { CONSUMER_GROUPS, REDIS_KEYS, streamBacklog } from '@parley/protocol/streams';

export interface BacklogMonitorOptions {
  maxQueueDepth: number;
  intervalMs?: number;
  /** Called every poll while the backlog is above the limit, and once with 0 when it clears. */
  onBacklog: (backlog: number) => void;
  onError?: (error: unknown) => void;
}

/**
 * Watches the caption pipeline's queues so rooms can be told when captions run late: interims may
 * be shed under load, but a final is never dropped without the room knowing.
 */
export class BacklogMonitor {
  private timer: NodeJS.Timeout | undefined;
  private delayed = false;
  private polling = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: BacklogMonitorOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.options.intervalMs ?? 1_000);
  }

  /**
   * Counts the waiting entries (Redis 7.0's own `lag` is wrong once a stream is trimmed), each
   * stream up to one past the limit: only whether the limit is passed matters here.
   */
  async poll(): Promise<number> {
    if (this.polling) return -1;
    this.polling = true;
    try {
      const cap = this.options.maxQueueDepth + 1;
      const [stt, mt] = await Promise.all([
        streamBacklog(this.redis, REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, cap),
        streamBacklog(this.redis, REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, cap),
      ]);
      const backlog = stt.lag + mt.lag;
      if (backlog > this.options.maxQueueDepth) {
        this.delayed = true;
        this.options.onBacklog(backlog);
      } else if (this.delayed) {
        this.delayed = false;
        this.options.onBacklog(0);
      }
      return backlog;
    } catch (error) {
      this.options.onError?.(error);
      return -1;
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
