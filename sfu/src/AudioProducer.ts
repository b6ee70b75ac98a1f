import type { MediaStreamTrack, RtpPacket } from 'werift';
import type { ForwardedTrack } from './ForwardedTrack.js';

/**
 * One participant's microphone as received by the SFU, fanned out to a ForwardedTrack on every
 * other participant's connection. Also sums the audio level (RFC 6464) of what it forwards, for
 * "who is speaking".
 */
export class AudioProducer {
  /** Copied on change so that the per-packet loop never sees a list being edited. */
  private consumers: readonly ForwardedTrack[] = [];
  private paused = false;
  private closed = false;
  /** Sum of (127 - level) over the packets since the last takeLoudness(); 127 is 0 dBov. */
  private loudnessSum = 0;
  private loudnessPackets = 0;
  private readonly unsubscribe: () => void;

  constructor(
    readonly peerId: string,
    track: MediaStreamTrack,
    /** The header extension id the browser uses for its audio level; 0 when it sends none. */
    private readonly audioLevelExtensionId: number,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = track.onReceiveRtp.subscribe((packet) => this.onRtp(packet)).unSubscribe;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  addConsumer(track: ForwardedTrack): void {
    if (this.closed || this.consumers.includes(track)) return;
    track.resync();
    this.consumers = [...this.consumers, track];
  }

  removeConsumer(track: ForwardedTrack): void {
    if (this.consumers.includes(track)) this.consumers = this.consumers.filter((t) => t !== track);
  }

  /** While paused (muted) nothing is forwarded; listeners' streams resume seamlessly afterwards. */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.loudnessSum = 0;
    this.loudnessPackets = 0;
    if (!paused) for (const consumer of this.consumers) consumer.resync();
  }

  /** Mean loudness (0 = silence, 127 = full scale) since the last call; undefined with no packets. */
  takeLoudness(): number | undefined {
    if (this.loudnessPackets === 0) return undefined;
    const mean = this.loudnessSum / this.loudnessPackets;
    this.loudnessSum = 0;
    this.loudnessPackets = 0;
    return mean;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.consumers = [];
    this.unsubscribe();
  }

  private onRtp(packet: RtpPacket): void {
    if (this.paused || this.closed) return;
    let level: Buffer | undefined;
    const id = this.audioLevelExtensionId;
    if (id !== 0) {
      const extensions = packet.header.extensions;
      for (let i = 0; i < extensions.length; i++) {
        if (extensions[i]!.id === id) {
          level = extensions[i]!.payload;
          break;
        }
      }
      if (level !== undefined && level.length > 0) {
        this.loudnessSum += 127 - (level[0]! & 0x7f);
        this.loudnessPackets += 1;
      }
    }
    const consumers = this.consumers;
    if (consumers.length === 0) return;
    const nowMs = this.now();
    for (let i = 0; i < consumers.length; i++) consumers[i]!.send(packet, level, nowMs);
  }
}
