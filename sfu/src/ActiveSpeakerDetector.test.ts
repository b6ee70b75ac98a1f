import { describe, expect, it } from 'vitest';
import { ActiveSpeakerDetector } from './ActiveSpeakerDetector.js';

describe('ActiveSpeakerDetector', () => {
  it('lists loud producers loudest first, holds them through short pauses, and reports only changes', () => {
    const detector = new ActiveSpeakerDetector({ speechLoudness: 77, holdMs: 800 });
    expect(detector.update(0, [['a', 100], ['b', 110], ['c', 20]])).toEqual(['b', 'a']);
    expect(detector.update(340, [['a', 115], ['b', 100], ['c', 20]])).toBeUndefined();
    expect(detector.update(680, [['a', undefined], ['b', 100], ['c', 20]])).toBeUndefined();
    expect(detector.update(1_360, [['a', undefined], ['b', 100], ['c', 20]])).toEqual(['b']);
    expect(detector.update(1_700, [['b', 100]])).toBeUndefined();
    expect(detector.update(2_040, [])).toEqual([]);
  });
});
