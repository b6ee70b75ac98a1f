/**
 * A seconds-long run of bench:load, so it cannot rot unnoticed: it checks the bench runs end to
 * end and reports what it should. No speed is asserted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useOfflineStack } from '../scripts/lib/test-support/offlineStack.js';
import { runLoadBench } from './lib/loadBench.js';
import { loadLibrivoxClips, type SpeechClip } from './speechClips.js';

describe('bench:load (smoke run)', () => {
  const parley = useOfflineStack({ db: 51, sfuMetrics: true, logDir: 'test-results/bench-load-smoke-logs' });
  let clips: SpeechClip[];

  beforeAll(() => {
    // The two shortest clips: each participant gets a turn within the run.
    clips = loadLibrivoxClips().sort((a, b) => a.samples48k.length - b.samples48k.length).slice(0, 2);
  });

  it('runs rooms of speaking participants and reports CPU, memory, latency and shed interims per process', async () => {
    const summary = await runLoadBench({ clips, rooms: 2, participantsPerRoom: 2, durationSeconds: 12, sampleSeconds: 1, stack: parley.stack });
    // Two rooms, each participant spoke at least once, and every other participant of the room is a listener.
    expect(summary.clips_spoken).toBeGreaterThanOrEqual(4);
    expect(summary.finals_expected).toBe(summary.clips_spoken);
    expect(summary.finals_missing).toBeLessThan(summary.finals_expected);
    expect(Number.isFinite(summary.p50_ms)).toBe(true);
    expect(summary.p95_ms).toBeGreaterThanOrEqual(summary.p50_ms);
    expect(summary.shed_interims).toBeGreaterThanOrEqual(0);
    expect(summary.interims_recognised + summary.shed_interims).toBeGreaterThan(0);
    const names = summary.processes.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['sfu', 'stt0', 'mt0', 'transcripts', 'bench clients']));
    const sfu = summary.processes.find((p) => p.name === 'sfu')!;
    // The sfu forwarded and ran VAD for the whole run, and its media processes count in its memory.
    expect(sfu.cpu_pct).toBeGreaterThan(0);
    expect(sfu.rss_end_mb).toBeGreaterThan(0);
    expect(Number.isFinite(summary.memory_growth_pct)).toBe(true);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  }, 120_000);
});
