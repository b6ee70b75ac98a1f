import type { types } from 'mediasoup';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_WORDS } from '@parley/protocol/streams';
import { roomNameWords } from './Room.js';

const producer = {} as types.Producer;

describe('roomNameWords', () => {
  it('gives the words of everyone\'s names, those of people with a microphone first', () => {
    expect(roomNameWords([{ name: 'Lee Listener', producer: undefined }, { name: 'Sam Speaker', producer }, { name: 'Sam Other', producer: undefined }])).toEqual([
      'Sam',
      'Speaker',
      'Lee',
      'Listener',
      'Other',
    ]);
  });

  it('keeps the speakers\' names when a large audience fills the cap', () => {
    const audience = Array.from({ length: 200 }, (_, i) => ({ name: `Listener ${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}x`, producer: undefined }));
    const words = roomNameWords([...audience, { name: 'Dashwood', producer }]);
    expect(words).toHaveLength(MAX_NAME_WORDS);
    expect(words[0]).toBe('Dashwood');
  });
});
