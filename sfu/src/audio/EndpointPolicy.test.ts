import { describe, expect, it } from 'vitest';
import { EndpointPolicy, levelDb } from './EndpointPolicy.js';

const FRAME_SECONDS = 0.032;

describe('EndpointPolicy', () => {
  it('fixed: the same silence after every phrase', () => {
    const policy = new EndpointPolicy({ mode: 'fixed', silenceSeconds: 0.8 });
    expect(policy.requiredSilenceSeconds()).toBe(0.8);
    for (let i = 0; i < 200; i++) policy.voicedFrame(-20, FRAME_SECONDS, true);
    expect(policy.requiredSilenceSeconds()).toBe(0.8);
    expect(policy.maxSilenceSeconds).toBe(0.8);
  });

  it('adaptive: the longest wait for a short phrase with its voice up, the shortest for a long one whose voice fell', () => {
    const options = { mode: 'adaptive', minSilenceSeconds: 0.3, maxSilenceSeconds: 1, longPhraseSeconds: 3 } as const;
    const short = new EndpointPolicy(options);
    for (let i = 0; i < 10; i++) short.voicedFrame(-20, FRAME_SECONDS, false);
    expect(short.requiredSilenceSeconds()).toBeCloseTo(1, 5);

    const finished = new EndpointPolicy(options);
    for (let i = 0; i < 100; i++) finished.voicedFrame(-20, FRAME_SECONDS, true);
    for (let i = 0; i < 8; i++) finished.voicedFrame(-32, FRAME_SECONDS, true);
    expect(finished.requiredSilenceSeconds()).toBeCloseTo(0.3, 5);

    const longButLevel = new EndpointPolicy(options);
    for (let i = 0; i < 108; i++) longButLevel.voicedFrame(-20, FRAME_SECONDS, true);
    expect(longButLevel.requiredSilenceSeconds()).toBeCloseTo(0.65, 5);

    finished.reset();
    expect(finished.requiredSilenceSeconds()).toBeCloseTo(1, 5);
  });

  it('refuses settings that make no sense', () => {
    expect(() => new EndpointPolicy({ mode: 'fixed', silenceSeconds: 0 })).toThrow(/silenceSeconds/);
    expect(() => new EndpointPolicy({ mode: 'adaptive', minSilenceSeconds: 0.8, maxSilenceSeconds: 0.5, longPhraseSeconds: 3 })).toThrow(/maxSilenceSeconds/);
  });
});

describe('levelDb', () => {
  it('gives 0 dB at full scale, about -6 dB at half, and -100 for silence', () => {
    expect(levelDb(new Int16Array(512).fill(32_767))).toBeCloseTo(0, 1);
    expect(levelDb(new Int16Array(512).fill(16_384))).toBeCloseTo(-6.02, 1);
    expect(levelDb(new Int16Array(512))).toBe(-100);
  });
});
