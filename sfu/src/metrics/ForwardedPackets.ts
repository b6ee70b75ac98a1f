import type { types } from 'mediasoup';

/** How often consumers' counters are read while metrics are served. */
const DEFAULT_SAMPLE_INTERVAL_MS = 5_000;

/**
 * RTP packets the media processes sent to listeners, summed over every consumer on a WebRTC
 * transport (the captioning tap's and pipeToRouter's consumers are not listeners). mediasoup keeps
 * the count per consumer and forgets it when the consumer closes, so the counts are read every few
 * seconds and their growth added to a running total: what a consumer sent after its last reading
 * is not counted (at most one interval of one stream).
 */
export class ForwardedPackets {
  private total = 0;
  /** Each live listener consumer and the packet count read from it last. */
  private readonly lastCount = new Map<types.Consumer, number>();
  private sampling: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Follows every router, transport and consumer the worker makes from now on. */
  watch(worker: types.Worker): void {
    worker.observer.on('newrouter', (router) => {
      router.observer.on('newtransport', (transport) => {
        if (transport.type !== 'webrtc') return;
        transport.observer.on('newconsumer', (consumer) => {
          this.lastCount.set(consumer, 0);
          consumer.observer.once('close', () => this.lastCount.delete(consumer));
        });
      });
    });
  }

  start(intervalMs = DEFAULT_SAMPLE_INTERVAL_MS): void {
    this.timer ??= setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Reads every consumer's count once (a reading under way is shared); resolves with the total. */
  sample(): Promise<number> {
    this.sampling ??= this.readAll().finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  get consumers(): number {
    return this.lastCount.size;
  }

  private async readAll(): Promise<number> {
    await Promise.all(
      [...this.lastCount.keys()].map(async (consumer) => {
        const stats = await consumer.getStats().catch(() => undefined);
        if (!stats || !this.lastCount.has(consumer)) return;
        const sent = stats.reduce((sum, s) => (s.type === 'outbound-rtp' ? sum + s.packetCount : sum), 0);
        const growth = sent - (this.lastCount.get(consumer) ?? 0);
        if (growth > 0) this.total += growth;
        this.lastCount.set(consumer, sent);
      }),
    );
    return this.total;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.lastCount.clear();
  }
}
