import type { Redis } from 'ioredis';
import { SafeEmitter } from './SafeEmitter.js';

export interface RedisAvailabilityEvents {
  /** Redis has been unreachable for the grace period. */
  lost: [];
  /** Redis answers again after a `lost`. */
  back: [downForMs: number];
}

/**
 * Turns a connection's ups and downs into two events a person should hear about: Redis is gone
 * (after a grace period, so a blip that heals by itself says nothing) and Redis is back.
 */
export class RedisAvailability extends SafeEmitter<RedisAvailabilityEvents> {
  private graceTimer: NodeJS.Timeout | undefined;
  private downSinceMs: number | undefined;
  private announced = false;
  private closed = false;
  private readonly onDown = () => this.down();
  private readonly onReady = () => this.ready();

  constructor(
    private readonly redis: Redis,
    private readonly graceMs = 1_000,
    onListenerError?: (error: unknown, event: string) => void,
  ) {
    super(onListenerError);
    redis.on('close', this.onDown);
    redis.on('ready', this.onReady);
  }

  /** Whether people have been told Redis is gone (and not yet that it is back). */
  get isLost(): boolean {
    return this.announced;
  }

  private down(): void {
    if (this.closed || this.downSinceMs !== undefined) return;
    this.downSinceMs = Date.now();
    this.graceTimer = setTimeout(() => {
      this.announced = true;
      this.emit('lost');
    }, this.graceMs);
  }

  private ready(): void {
    clearTimeout(this.graceTimer);
    const since = this.downSinceMs;
    this.downSinceMs = undefined;
    if (!this.announced || since === undefined) return;
    this.announced = false;
    this.emit('back', Date.now() - since);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.graceTimer);
    this.redis.off('close', this.onDown);
    this.redis.off('ready', this.onReady);
  }
}
