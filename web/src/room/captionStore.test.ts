import { describe, expect, it } from 'vitest';
import type { Caption } from '@parley/protocol';
import { MAX_CAPTIONS, captionReducer, createCaptionReducer, initialCaptionState, selectCaptions, type CaptionState } from './captionStore';
import { testCaption } from '../test-support/caption';

/** Ana's English caption of Spanish speech. */
function caption(overrides: Partial<Caption> = {}): Caption {
  return testCaption({ speakerId: 'p1', lang: 'en', text: 'hello', sourceLang: 'es', sourceText: 'hola', engine: 'test', ...overrides });
}

function receive(state: CaptionState, ...captions: Caption[]): CaptionState {
  return captions.reduce((s, c) => captionReducer(s, { type: 'received', caption: c }), state);
}

const texts = (state: CaptionState) => selectCaptions(state).map((c) => c.text);

describe('captionReducer', () => {
  it('lists new utterances in the order they were first heard', () => {
    const state = receive(
      initialCaptionState,
      caption({ utteranceId: 'a', text: 'first' }),
      caption({ utteranceId: 'b', text: 'second' }),
    );
    expect(texts(state)).toEqual(['first', 'second']);
  });

  it('replaces an interim with a later interim of the same utterance, keeping its place', () => {
    const state = receive(
      initialCaptionState,
      caption({ utteranceId: 'a', seq: 0, text: 'hel' }),
      caption({ utteranceId: 'b', seq: 0, text: 'other' }),
      caption({ utteranceId: 'a', seq: 1, text: 'hello wor' }),
    );
    expect(texts(state)).toEqual(['hello wor', 'other']);
  });

  it('ignores an interim older than the one shown', () => {
    const before = receive(initialCaptionState, caption({ seq: 3, text: 'newer' }));
    const after = receive(before, caption({ seq: 2, text: 'older' }));
    expect(after).toBe(before);
    expect(texts(after)).toEqual(['newer']);
  });

  it('ignores a repeated revision', () => {
    const before = receive(initialCaptionState, caption({ seq: 1 }));
    expect(receive(before, caption({ seq: 1, text: 'same seq' }))).toBe(before);
  });

  it('lets a final replace interims', () => {
    const state = receive(
      initialCaptionState,
      caption({ seq: 1, text: 'hello wor' }),
      caption({ seq: 2, kind: 'final', text: 'Hello world.' }),
    );
    expect(selectCaptions(state)).toMatchObject([{ kind: 'final', text: 'Hello world.' }]);
  });

  it('lets a final replace an interim that arrived after it was sent', () => {
    const state = receive(
      initialCaptionState,
      caption({ seq: 5, text: 'late interim' }),
      caption({ seq: 4, kind: 'final', text: 'Final.' }),
    );
    expect(selectCaptions(state)).toMatchObject([{ kind: 'final', text: 'Final.' }]);
  });

  it('never lets an interim replace a final, whatever its seq', () => {
    const before = receive(initialCaptionState, caption({ seq: 2, kind: 'final', text: 'Final.' }));
    const after = receive(before, caption({ seq: 9, kind: 'interim', text: 'stray' }));
    expect(after).toBe(before);
    expect(selectCaptions(after)).toMatchObject([{ kind: 'final', text: 'Final.' }]);
  });

  it('lets a corrected final with a higher seq replace the earlier final', () => {
    const state = receive(
      initialCaptionState,
      caption({ seq: 2, kind: 'final', text: 'Hello word.' }),
      caption({ seq: 3, kind: 'final', text: 'Hello world.' }),
      caption({ seq: 1, kind: 'final', text: 'stale' }),
    );
    expect(texts(state)).toEqual(['Hello world.']);
  });

  it(`keeps only the newest ${MAX_CAPTIONS} utterances`, () => {
    let state = initialCaptionState;
    for (let i = 0; i < MAX_CAPTIONS + 5; i += 1) {
      state = receive(state, caption({ utteranceId: `u${i}`, text: `line ${i}` }));
    }
    const shown = selectCaptions(state);
    expect(shown).toHaveLength(MAX_CAPTIONS);
    expect(shown[0]?.text).toBe('line 5');
    expect(shown.at(-1)?.text).toBe(`line ${MAX_CAPTIONS + 4}`);
    expect(state.byId.size).toBe(MAX_CAPTIONS);
  });

  it('still updates utterances after the list has been trimmed', () => {
    const reduce = createCaptionReducer(3);
    let state = initialCaptionState;
    for (let i = 0; i < 4; i += 1) state = reduce(state, { type: 'received', caption: caption({ utteranceId: `u${i}` }) });
    state = reduce(state, { type: 'received', caption: caption({ utteranceId: 'u3', seq: 1, kind: 'final', text: 'done' }) });
    expect(state.order).toEqual(['u1', 'u2', 'u3']);
    expect(state.byId.get('u3')?.text).toBe('done');
  });

  it('clears everything', () => {
    const state = receive(initialCaptionState, caption());
    expect(captionReducer(state, { type: 'cleared' })).toEqual(initialCaptionState);
    expect(captionReducer(initialCaptionState, { type: 'cleared' })).toBe(initialCaptionState);
  });
});
