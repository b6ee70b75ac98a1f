import type { types } from 'mediasoup-client';
import { connectionQuality, qualitySample, worseQuality, type ConnectionQuality, type QualitySample } from './connectionQuality.js';

/**
 * Reads the transports' statistics now and then while media is up and reports the connection's
 * quality when it has changed for two readings in a row. A new media setup starts it over (new transports, new counters).
 */
export class QualityMonitor {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly samples = new Map<string, QualitySample>();
  private current: ConnectionQuality | undefined;
  /** A different quality seen once; it becomes current only when the next reading agrees. */
  private candidate: ConnectionQuality | undefined;
  private generation = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly onChange: (quality: ConnectionQuality) => void,
  ) {}

  get quality(): ConnectionQuality | undefined {
    return this.current;
  }

  start(transports: () => (types.Transport | undefined)[]): void {
    this.stop();
    const generation = this.generation;
    this.timer = setInterval(() => void this.measure(transports(), generation), this.intervalMs);
  }

  stop(): void {
    this.generation += 1;
    clearInterval(this.timer);
    this.timer = undefined;
    this.samples.clear();
  }

  private async measure(transports: (types.Transport | undefined)[], generation: number): Promise<void> {
    let quality: ConnectionQuality | undefined;
    for (const transport of transports) {
      if (!transport || transport.closed) continue;
      const report = await transport.getStats().catch(() => undefined);
      if (!report || generation !== this.generation) return;
      const sample = qualitySample(report, Date.now());
      quality = worseQuality(quality, connectionQuality(this.samples.get(transport.id), sample));
      this.samples.set(transport.id, sample);
    }
    if (!quality || quality === this.current) {
      this.candidate = undefined;
      return;
    }
    // One bad interval (a burst of loss, a busy moment) is not worth a banner; two in a row are. The
    // first reading is taken at once, so there is a quality to show from the start.
    if (this.current !== undefined && this.candidate !== quality) {
      this.candidate = quality;
      return;
    }
    this.candidate = undefined;
    this.current = quality;
    this.onChange(quality);
  }
}
