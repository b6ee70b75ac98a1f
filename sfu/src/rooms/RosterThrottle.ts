/**
 * Coalesces a room's roster broadcasts. Every participant gets the whole roster, so a room filling
 * up would otherwise send N rosters of N entries to N sockets: bench:sfu's crowd of 300 listeners
 * took 21 s to join that way, 9 s with this (same busy machine). A change after a quiet spell goes
 * out at once; further changes wait until the room's interval has passed since the last broadcast
 * and then go out together, as the latest roster.
 */
export class RosterThrottle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSentMs = -Infinity;
  private closed = false;

  constructor(
    /** Sends the room's current roster. */
    private readonly send: () => void,
    /** The least time between two broadcasts; called at each change, so it can follow the room's size. */
    private readonly intervalMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  changed(): void {
    if (this.closed || this.timer) return;
    const waitMs = this.lastSentMs + this.intervalMs() - this.now();
    if (waitMs <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), waitMs);
  }

  /** Idempotent; a pending broadcast is dropped. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    if (this.closed) return;
    this.lastSentMs = this.now();
    this.send();
  }
}

/** 4 ms per participant: ≤ 100 ms for a room of 25, 4 s for 1,000 (a few tens of MB/s of rosters at most). */
export const ROSTER_MS_PER_PARTICIPANT = 4;
export const ROSTER_MAX_INTERVAL_MS = 8_000;

export function rosterIntervalMs(participants: number): number {
  return Math.min(ROSTER_MAX_INTERVAL_MS, participants * ROSTER_MS_PER_PARTICIPANT);
}
