import type { Logger } from 'pino';
import type { TranscriptStore } from './TranscriptStore.js';

const DAY_MS = 86_400_000;

/** Deletes kept transcripts older than the retention setting, at start and then hourly. */
export class TranscriptRetention {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: TranscriptStore,
    private readonly retentionDays: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(intervalMs = 3_600_000): void {
    if (this.retentionDays <= 0) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  /** Returns how many segments were deleted. */
  async sweep(): Promise<number> {
    try {
      const deleted = await this.store.deleteStoredBefore(this.now() - this.retentionDays * DAY_MS);
      if (deleted) this.log.info({ deleted, retentionDays: this.retentionDays }, 'deleted transcripts past retention');
      return deleted;
    } catch (error) {
      this.log.warn({ err: error }, 'could not delete old transcripts; will try again');
      return 0;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
