import { readableText } from '../text/readableText.js';

/** Lowercase words with punctuation removed; apostrophes inside words ("don't") are kept. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, by word-level
 * Levenshtein distance after lowercasing and stripping punctuation. Can exceed 1 when the
 * hypothesis inserts many words. Two empty texts score 0; any words against an empty reference
 * score Infinity, since no finite rate describes them.
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const referenceWords = words(reference).length;
  if (referenceWords === 0) return words(hypothesis).length === 0 ? 0 : Infinity;
  return wordErrors(reference, hypothesis) / referenceWords;
}

/** Substitutions + deletions + insertions turning the reference into the hypothesis (for corpus WER). */
export function wordErrors(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);

  // Two rows of the edit-distance table are enough, keeping memory linear in the hypothesis.
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  let current = new Array<number>(hyp.length + 1).fill(0);
  for (let i = 1; i <= ref.length; i++) {
    current[0] = i;
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[hyp.length]!;
}

/**
 * Words to score after Parley's caption clean-up has run on both sides, so "ten meters" and
 * "10 meters." compare equal: captions are written for reading, references are spoken words.
 */
export function comparableWords(text: string): string {
  return words(readableText(words(text).join(' '), { final: true })).join(' ');
}

/** wordErrors on comparableWords of both texts. */
export function captionWordErrors(reference: string, hypothesis: string): number {
  return wordErrors(comparableWords(reference), comparableWords(hypothesis));
}

/** The number of words comparableWords finds in a text. */
export function comparableWordCount(text: string): number {
  return words(comparableWords(text)).length;
}
