/** How much recent audio is kept for tone analysis: 100 ms at 48 kHz. */
const WINDOW_SAMPLES = 4_800;
/** Conditions are checked every this many frames (10 ms each) rather than on every frame. */
const CHECK_EVERY_FRAMES = 5;

/**
 * Audio decoded from one remote track (a WrtcParticipant's sink), kept as the last 100 ms of mono
 * PCM so that tests can ask which tone it carries.
 */
export class RemoteAudioTrack {
  /** The stream (participant) id the server currently sends on this track; undefined once it ended. */
  streamId: string | undefined;
  framesReceived = 0;
  private readonly window = new Float64Array(WINDOW_SAMPLES);
  private written = 0;
  private waiters: { check: () => boolean; wake: () => void }[] = [];

  constructor(readonly track: { id: string }) {}

  setStream(streamId: string | undefined): void {
    this.streamId = streamId;
    this.checkWaiters();
  }

  push(samples: Int16Array, sampleRate: number, channelCount: number): void {
    // Only 48 kHz is analysed; the sink delivers what the decoder makes, which is 48 kHz for Opus.
    if (sampleRate !== 48_000) return;
    for (let i = 0; i < samples.length; i += channelCount) {
      this.window[this.written % WINDOW_SAMPLES] = samples[i]! / 32_768;
      this.written += 1;
    }
    this.framesReceived += 1;
    if (this.framesReceived % CHECK_EVERY_FRAMES === 0) this.checkWaiters();
  }

  /** Root mean square of the last 100 ms, 0..1 of full scale. */
  rms(): number {
    const n = Math.min(this.written, WINDOW_SAMPLES);
    if (n === 0) return 0;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.window[i]! ** 2;
    return Math.sqrt(sum / n);
  }

  /** Share of the last 100 ms' energy at `frequencyHz` (Goertzel), 0..1. */
  toneShare(frequencyHz: number): number {
    const n = Math.min(this.written, WINDOW_SAMPLES);
    if (n < WINDOW_SAMPLES) return 0;
    const start = this.written % WINDOW_SAMPLES;
    const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / 48_000);
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const x = this.window[(start + i) % WINDOW_SAMPLES]!;
      energy += x * x;
      const s0 = x + coefficient * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    if (energy === 0) return 0;
    const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    return Math.min(1, (2 * power) / (n * energy));
  }

  /** A clear tone at `frequencyHz`: audible and most of the energy there. */
  hasTone(frequencyHz: number): boolean {
    return this.rms() > 0.02 && this.toneShare(frequencyHz) > 0.5;
  }

  /** Nothing of `frequencyHz` is arriving (silence, or the stream has ended). */
  lacksTone(frequencyHz: number): boolean {
    return this.streamId === undefined || this.rms() < 0.005 || this.toneShare(frequencyHz) < 0.1;
  }

  /** Resolves when `check` holds (tested as audio arrives); rejects with `what` after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        check,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${what} did not happen within ${timeoutMs} ms (rms ${this.rms().toFixed(3)}, stream ${this.streamId ?? 'ended'})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.check());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.wake();
  }
}
