import { TokenBucket } from '../TokenBucket.js';

/**
 * One token bucket per key (an IP address, a user): `burst` at once, `perSecond` sustained.
 * Buckets that have refilled are forgotten, so memory stays bounded by the keys active lately.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsedMs: number }>();
  private readonly idleMs: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    /** Hard cap on keys tracked; past it the oldest are dropped. */
    private readonly maxKeys = 100_000,
  ) {
    this.idleMs = Math.ceil((burst / perSecond) * 1000);
  }

  take(key: string): boolean {
    const nowMs = this.now();
    let entry = this.buckets.get(key);
    if (!entry) {
      if (this.buckets.size >= this.maxKeys) this.sweep(nowMs);
      entry = { bucket: new TokenBucket(this.burst, this.perSecond, this.now), lastUsedMs: nowMs };
      this.buckets.set(key, entry);
    }
    entry.lastUsedMs = nowMs;
    return entry.bucket.take();
  }

  private sweep(nowMs: number): void {
    for (const [key, entry] of this.buckets) if (nowMs - entry.lastUsedMs > this.idleMs) this.buckets.delete(key);
    // Still full: everyone is active; drop the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      const keys = [...this.buckets.keys()];
      for (const key of keys.slice(0, keys.length / 2)) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
