/** A chunk's peak below this (of full scale) counts as quiet; speech rarely stays under it for long. */
const QUIET_LEVEL = 0.1;
/** A sample above this right after a quiet stretch is a marker onset; speech peaks at 0.35. */
const ONSET_LEVEL = 0.5;
const QUIET_BEFORE_ONSET_MS = 80;
/** After an onset, nothing counts until this much later (the marker itself is 40 ms long). */
const REFRACTORY_MS = 500;

/**
 * Finds marker onsets in decoded audio as it is played out: each 10 ms chunk arrives when the
 * receiver's playout takes it, so the onset's time is the chunk's arrival plus its offset in it.
 */
export class MarkerDetector {
  /** Wall-clock arrival time of each marker onset, in order. */
  private readonly onsetsMs: number[] = [];
  /** Quiet run up to the end of the previous chunk, and up to the end of the one before it. */
  private quietMs = 0;
  private quietMsBeforePrevious = 0;
  private lastOnsetMs = -Infinity;

  push(samples: Int16Array, channelCount: number, sampleRateHz: number, arrivedAtMs: number): void {
    const frames = samples.length / channelCount;
    // Any rate will do (the sink's first chunks may come at 16 kHz); offsets are scaled by it.
    const chunkMs = (frames * 1000) / sampleRateHz;
    let peak = 0;
    let onsetFrame = -1;
    for (let frame = 0; frame < frames; frame++) {
      const level = Math.abs(samples[frame * channelCount]!) / 32_768;
      if (level > peak) peak = level;
      if (onsetFrame < 0 && level > ONSET_LEVEL) onsetFrame = frame;
    }
    // Opus smears a sharp onset a few ms backwards (pre-echo), which can land in the previous chunk.
    const quietBefore = Math.max(this.quietMs, this.quietMsBeforePrevious);
    if (onsetFrame >= 0 && quietBefore >= QUIET_BEFORE_ONSET_MS && arrivedAtMs - this.lastOnsetMs > REFRACTORY_MS) {
      const onsetMs = arrivedAtMs + (onsetFrame * 1000) / sampleRateHz;
      this.onsetsMs.push(onsetMs);
      this.lastOnsetMs = onsetMs;
    }
    this.quietMsBeforePrevious = this.quietMs;
    this.quietMs = peak < QUIET_LEVEL ? this.quietMs + chunkMs : 0;
  }

  /** Onsets since the last call. */
  take(): number[] {
    return this.onsetsMs.splice(0);
  }
}
