/**
 * The publisher's audio: real speech with a timing marker once a second, so that a listener can
 * tell when a known instant of the publisher's audio reaches it.
 *
 * Each 1 s period is a 40 ms 1 kHz burst near full scale, 840 ms of speech normalised to a 0.35
 * peak, then 120 ms of the same speech 40 dB down (quiet, but not digital silence, which Opus
 * would code as comfort noise). Speech never reaches the marker's level and nothing loud comes
 * right after a quiet stretch except the marker, so its onset is unambiguous after decoding.
 */
export const SAMPLE_RATE_HZ = 48_000;
export const PERIOD_MS = 1_000;
/** 10 ms at 48 kHz: what RTCAudioSource takes per call. */
export const FRAME_SAMPLES = 480;
const MARKER_MS = 40;
const QUIET_MS = 120;
const MARKER_HZ = 1_000;
const MARKER_AMPLITUDE = 0.9;
const SPEECH_PEAK = 0.35;
const QUIET_GAIN = 0.01;

/** Wall-clock milliseconds, comparable between processes on one machine (sub-ms resolution). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** `seconds` periods of marker + speech + quiet, speech taken from `clips` in a loop. */
export function buildMarkedSpeech(clips: Int16Array[], seconds: number): Int16Array {
  const speech = concatenate(clips);
  let peak = 1;
  for (const s of speech) peak = Math.max(peak, Math.abs(s));
  const gain = (SPEECH_PEAK * 32_767) / peak;
  const perPeriod = (SAMPLE_RATE_HZ * PERIOD_MS) / 1000;
  const markerSamples = (SAMPLE_RATE_HZ * MARKER_MS) / 1000;
  const quietStart = perPeriod - (SAMPLE_RATE_HZ * QUIET_MS) / 1000;
  const out = new Int16Array(perPeriod * seconds);
  let cursor = 0;
  for (let period = 0; period < seconds; period++) {
    for (let i = 0; i < perPeriod; i++) {
      let value: number;
      if (i < markerSamples) value = MARKER_AMPLITUDE * 32_767 * Math.sin((2 * Math.PI * MARKER_HZ * i) / SAMPLE_RATE_HZ);
      else {
        value = speech[cursor % speech.length]! * gain * (i >= quietStart ? QUIET_GAIN : 1);
        cursor++;
      }
      out[period * perPeriod + i] = Math.round(value);
    }
  }
  return out;
}

function concatenate(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
