import { describe, expect, it } from 'vitest';
import { WhisperDecodeProbe } from './WhisperDecodeProbe.js';

const VOCAB = 4;

function logits(rows: number[][]): { dims: number[]; data: Float32Array } {
  return { dims: [1, rows.length, VOCAB], data: Float32Array.from(rows.flat()) };
}

function ids(...values: number[]): { dims: number[]; data: BigInt64Array } {
  return { dims: [1, values.length], data: BigInt64Array.from(values.map(BigInt)) };
}

describe('WhisperDecodeProbe', () => {
  it('takes the no-speech probability at the start-of-transcript position', () => {
    const probe = new WhisperDecodeProbe(3, 0.99);
    // Position 0 (SOT): token 3 has all the mass; the last prompt position says nothing about it.
    probe.observe(ids(0, 1, 2), logits([[0, 0, 0, 20], [0, 0, 0, 0], [5, 0, 0, 0]]));
    expect(probe.noSpeechProb).toBeGreaterThan(0.99);
  });

  it('scores the chosen tokens when the no-speech probability is above its threshold', () => {
    const probe = new WhisperDecodeProbe(3, 0);
    probe.observe(ids(0), logits([[0, 0, 0, 0]]));
    // The step chose token 1 from a uniform row: log(1/4).
    probe.observe(ids(1), logits([[0, 0, 0, 0]]));
    probe.finish(2);
    expect(probe.avgLogprob).toBeCloseTo(Math.log(0.25));
  });

  it('skips scoring when the audio plainly holds speech, and without a no-speech token', () => {
    const speech = new WhisperDecodeProbe(3, 0.6);
    speech.observe(ids(0), logits([[9, 0, 0, 0]]));
    speech.observe(ids(0), logits([[9, 0, 0, 0]]));
    speech.finish(0);
    expect(speech.avgLogprob).toBeUndefined();
    const noToken = new WhisperDecodeProbe(undefined);
    noToken.observe(ids(0), logits([[0, 0, 0, 0]]));
    expect(noToken.noSpeechProb).toBeUndefined();
  });
});
