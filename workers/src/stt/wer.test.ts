import { describe, expect, it } from 'vitest';
import { captionWordErrors, comparableWordCount, comparableWords, wordErrorRate, wordErrors } from './wer.js';

describe('wordErrorRate', () => {
  it('is 0 for identical text', () => {
    expect(wordErrorRate('he was not an ill disposed young man', 'he was not an ill disposed young man')).toBe(0);
  });

  it('ignores case, punctuation and spacing', () => {
    expect(wordErrorRate('Well, "he" was -- not ill-disposed!', '  well he WAS not ill disposed ')).toBe(0);
    expect(wordErrorRate("Don't stop.", "don't stop")).toBe(0);
  });

  it('counts substitutions, deletions and insertions against the reference length', () => {
    expect(wordErrorRate('a b c d', 'a x c d')).toBe(0.25);
    expect(wordErrorRate('a b c d', 'a c d')).toBe(0.25);
    expect(wordErrorRate('a b c d', 'a b c d e')).toBe(0.25);
    expect(wordErrorRate('a b c d', '')).toBe(1);
  });

  it('finds the cheapest alignment', () => {
    // Shifted by one word: one deletion plus one insertion, not four substitutions.
    expect(wordErrorRate('one two three four', 'two three four five')).toBe(0.5);
  });

  it('can exceed 1 when the hypothesis adds many words', () => {
    expect(wordErrorRate('yes', 'no no no')).toBe(3);
  });

  it('matches the pocketsphinx reference decode of the 0920 test clip', () => {
    const reference = 'had he married a more a amiable woman he might have been made still more respectable than he was';
    const hypothesis = 'had he married a more amiable woman he might have been made still more respectable many watts';
    expect(wordErrorRate(reference, hypothesis)).toBeCloseTo(4 / 19);
  });

  it('handles empty references', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate(' ... ', '')).toBe(0);
    expect(wordErrorRate('', 'hello')).toBe(Infinity);
  });
});

describe('wordErrors', () => {
  it('counts substitutions, deletions and insertions', () => {
    expect(wordErrors('a b c d', 'a x c')).toBe(2);
    expect(wordErrors('a b', 'a b c d')).toBe(2);
    expect(wordErrors('', 'a')).toBe(1);
  });
});

describe('captionWordErrors', () => {
  it('compares a cleaned-up caption with spoken-word references', () => {
    expect(captionWordErrors('go forward ten meters', 'Go forward 10 meters.')).toBe(0);
    expect(captionWordErrors('one hundred and five', '105')).toBe(0);
    expect(captionWordErrors('i think so', 'I think, so.')).toBe(0);
    expect(captionWordErrors('go forward ten meters', 'Go back 10 meters.')).toBe(1);
    expect(comparableWords('Mr. Coulter is here.')).toBe('mr coulter is here');
    expect(comparableWordCount('twenty five people')).toBe(2);
  });
});
