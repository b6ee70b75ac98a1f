/**
 * Seconds-long runs of every caption bench, so none of them can rot unnoticed. They check that
 * each bench runs end to end and reports what it should; no speed is asserted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useOfflineStack } from '../scripts/lib/test-support/offlineStack.js';
import { runLatencyBench } from './lib/latencyBench.js';
import { fileWer, webrtcWer } from './lib/sttEval.js';
import { workerSpeakersPerCore } from './lib/sttThroughput.js';
import { loadLibrivoxClips, loadUntunedClips, type SpeechClip } from './speechClips.js';

describe('caption benches (smoke runs)', () => {
  const parley = useOfflineStack({ db: 41, logDir: 'test-results/bench-smoke-logs' });
  let tuningClip: SpeechClip;
  let untunedClip: SpeechClip;

  beforeAll(() => {
    tuningClip = loadLibrivoxClips().find((c) => c.id.endsWith('0880'))!;
    untunedClip = loadUntunedClips().find((c) => c.id === 'goforward')!;
  });

  it('bench:latency measures final, complete and first-interim latency', async () => {
    const { measurements, summary } = await runLatencyBench({ clips: [tuningClip], repeats: 1, stack: parley.stack });
    expect(summary.n).toBe(1);
    expect(measurements[0]!.text).not.toBe('');
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['p50_ms', 'p95_ms', 'complete_p50_ms', 'complete_p95_ms', 'first_interim_p50_ms']));
    for (const value of [summary.p50_ms, summary.complete_p50_ms, summary.first_interim_p50_ms]) expect(Number.isFinite(value)).toBe(true);
    // The complete caption is the final at the latest.
    expect(summary.complete_p50_ms).toBeLessThanOrEqual(summary.p50_ms);
    // Its time splits into the sfu's cut, the workers' decode and translation (timed by the worker that published it), and delivery.
    const m = measurements[0]!;
    expect(m.completeWorkMs).toBeGreaterThanOrEqual(0);
    expect(m.completeCutMs + m.completeWorkMs!).toBeLessThanOrEqual(m.completeMs);
  }, 90_000);

  it('eval:stt scores the tuning and the untuned recordings, from the file and through WebRTC', async () => {
    const file = await fileWer([tuningClip, untunedClip]);
    expect(file.referenceWords).toBe(12);
    expect(file.wer).toBeGreaterThanOrEqual(0);
    const [webrtc] = await webrtcWer([[untunedClip]], { stack: parley.stack });
    expect(webrtc!.referenceWords).toBe(4);
    expect(webrtc!.clips[0]!.text).not.toBe('');
    expect(Number.isFinite(webrtc!.wer)).toBe(true);
  }, 90_000);

  it('bench:stt runs the real stt worker and measures its CPU time per second of speech', async () => {
    const result = await workerSpeakersPerCore({ clips: [untunedClip], speakers: 1, rounds: 1, busyOtherCore: false });
    expect(result.finals).toBe(1);
    expect(result.cpuSeconds).toBeGreaterThan(0);
    expect(result.audioSeconds).toBeCloseTo(untunedClip.samples16k.length / 16_000, 5);
  }, 90_000);
});
