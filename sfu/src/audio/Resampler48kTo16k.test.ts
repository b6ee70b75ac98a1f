import { describe, expect, it } from 'vitest';
import { Resampler48kTo16k } from './Resampler48kTo16k.js';
import { rms, seededRandom, tone } from './audioTestUtils.js';

const AMPLITUDE = 10_000;

function oneShot(input: Int16Array): Int16Array {
  return Int16Array.from(new Resampler48kTo16k().process(input));
}

/** Level of the output relative to the input tone, in dB, after the filter has settled. */
function gainDb(frequencyHz: number): number {
  const input = tone(frequencyHz, 1, 48_000, AMPLITUDE);
  const output = oneShot(input);
  const settled = 1_000;
  return 20 * Math.log10(rms(output, settled, output.length - settled) / rms(input));
}

describe('Resampler48kTo16k', () => {
  it('produces a third as many samples', () => {
    expect(oneShot(new Int16Array(48_000)).length).toBe(16_000);
    expect(oneShot(new Int16Array(4)).length).toBe(2);
  });

  it('passes a 1 kHz tone at unchanged amplitude', () => {
    expect(Math.abs(gainDb(1_000))).toBeLessThan(0.1);
    expect(Math.abs(gainDb(300))).toBeLessThan(0.1);
    expect(Math.abs(gainDb(6_000))).toBeLessThan(0.5);
  });

  it('attenuates a 10 kHz tone by more than 40 dB', () => {
    expect(gainDb(10_000)).toBeLessThan(-40);
    // 12 kHz would alias onto 4 kHz without the filter.
    expect(gainDb(12_000)).toBeLessThan(-40);
    expect(gainDb(20_000)).toBeLessThan(-40);
  });

  it('gives the same output for chunked and one-shot processing', () => {
    const random = seededRandom(7);
    const input = new Int16Array(48_000);
    for (let i = 0; i < input.length; i++) input[i] = Math.round((random() * 2 - 1) * 20_000);
    const expected = oneShot(input);

    const resampler = new Resampler48kTo16k({ initialCapacitySamples: 960 });
    const parts: number[] = [];
    let offset = 0;
    // Chunk sizes that are not multiples of 3, including empty and far larger than the buffers.
    const sizes = [0, 1, 2, 5, 960, 961, 7, 3_000, 10_000, 13];
    for (let k = 0; offset < input.length; k++) {
      const size = sizes[k % sizes.length] as number;
      parts.push(...resampler.process(input.subarray(offset, offset + size)));
      offset += size;
    }
    expect(Int16Array.from(parts)).toEqual(expected);
  });

  it('starts afresh after reset()', () => {
    const input = tone(1_000, 0.1, 48_000, AMPLITUDE);
    const resampler = new Resampler48kTo16k();
    resampler.process(tone(3_000, 0.05, 48_000, AMPLITUDE));
    resampler.reset();
    expect(Int16Array.from(resampler.process(input))).toEqual(oneShot(input));
  });

  it('clips instead of wrapping around at full scale', () => {
    const halfPeriod = 48;
    const square = new Int16Array(4_800);
    for (let i = 0; i < square.length; i++) square[i] = Math.floor(i / halfPeriod) % 2 === 0 ? 32_767 : -32_768;
    const output = oneShot(square);
    expect(Math.max(...output)).toBe(32_767);
    expect(Math.min(...output)).toBe(-32_768);
    // Output sample i lines up with input sample 3i - 63 (the filter's delay). Gibbs overshoot
    // right after each edge must saturate; wrapping would flip its sign.
    for (let i = 40; i < output.length; i++) {
      const aligned = 3 * i - 63;
      const intoHalf = aligned % halfPeriod;
      if (intoHalf < 6 || intoHalf > halfPeriod - 6) continue;
      expect(Math.sign(output[i] as number)).toBe(Math.sign(square[aligned] as number));
    }
  });
});
