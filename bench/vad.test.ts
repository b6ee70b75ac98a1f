/** A seconds-long run of bench:vad, so it cannot rot unnoticed. No speed is asserted. */
import { describe, expect, it } from 'vitest';
import { runVadBench } from './lib/vadBench.js';
import { loadUntunedClips } from './speechClips.js';

describe('bench:vad (smoke run)', () => {
  it('runs speakers through the caption pipeline one frame at a time and batched, and reports both', async () => {
    const clips = loadUntunedClips().slice(0, 2);
    const summary = await runVadBench({ clips, speakers: 3, seconds: 2, rounds: 1, pauseSeconds: 1 });
    expect(summary.runs.map((r) => r.maxBatch)).toEqual([1, 16]);
    for (const run of summary.runs) {
      expect(run.cores).toBeGreaterThan(0);
      expect(run.framesPerInference).toBeGreaterThanOrEqual(1);
    }
    // One at a time means exactly one frame per inference.
    expect(summary.runs[0]!.framesPerInference).toBe(1);
    expect(summary.oneByOne).toBeGreaterThan(0);
    expect(summary.batched).toBeGreaterThan(0);
  });
});
