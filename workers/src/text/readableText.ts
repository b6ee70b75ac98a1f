import { capitalise } from './capitalise.js';
import type { ProperNouns } from './properNouns.js';
import { writeNumbers } from './spokenNumbers.js';

/** One recognised word and when it was said, in seconds from the start of the utterance. */
export interface TimedWord {
  text: string;
  startSeconds: number;
  endSeconds: number;
}

export interface ReadableTextOptions {
  /** A pause at least this long between two words becomes a comma. */
  commaPauseSeconds?: number;
  /** A pause at least this long ends a sentence. */
  sentencePauseSeconds?: number;
  /** The utterance is over: its last sentence gets its full stop (an interim is still growing). */
  final: boolean;
  /** Words written with a capital wherever they stand ("john" → "John"): see findNameLexicon(). */
  properNouns?: ProperNouns;
}

/*
 * Pauses in read and conversational English: commas and clause boundaries typically bring 0.2–0.5 s
 * of silence, sentence ends more; an utterance already ends at the endpoint, so a pause inside one
 * that is over 0.6 s is most often a sentence boundary the speaker ran on from.
 */
const DEFAULT_COMMA_PAUSE_SECONDS = 0.25;
const DEFAULT_SENTENCE_PAUSE_SECONDS = 0.6;

const TITLES: Record<string, string> = { mr: 'Mr.', mrs: 'Mrs.', ms: 'Ms.', dr: 'Dr.' };
/** "mister" before any word is a title ("mister smith" → "Mr. Smith"); alone it stays a word. */
const SPOKEN_TITLES: Record<string, string> = { mister: 'Mr.' };
/** These are titles only before a known name: "doctor Marianne" → "Dr. Marianne", but "the doctor said". */
const TITLES_BEFORE_NAMES: Record<string, string> = { doctor: 'Dr.', missus: 'Mrs.', professor: 'Prof.' };
const I_FORMS: Record<string, string> = { i: 'I', "i'm": "I'm", "i'll": "I'll", "i've": "I've", "i'd": "I'd" };
const QUESTION_WORDS = new Set(['who', 'what', 'where', 'when', 'why', 'how', 'which', 'whose']);
const AUXILIARIES = new Set(['is', 'are', 'was', 'were', 'do', 'does', 'did', 'can', 'could', 'will', 'would', 'should', 'have', 'has', 'had', 'am']);
const SUBJECTS = new Set(['you', 'he', 'she', 'it', 'we', 'they', 'i', 'there', 'this', 'that', 'the', 'a', 'an', 'your', 'his', 'her', 'my', 'our', 'their', 'anyone', 'anybody', 'someone']);

/**
 * Whether a sentence reads as a question from its first two words: "where did…", "is it…".
 * Only these shapes: "what a day" or "will is here" must not become questions.
 */
function looksLikeQuestion(words: readonly string[]): boolean {
  const [first, second] = words;
  if (first === undefined || second === undefined) return false;
  if (QUESTION_WORDS.has(first)) return AUXILIARIES.has(second);
  return AUXILIARIES.has(first) && first !== 'have' && first !== 'has' && first !== 'had' && SUBJECTS.has(second);
}

/** pocketsphinx marks alternative pronunciations ("the(2)"); the word is the same. */
export function bareWord(word: string): string {
  return word.replace(/\(\d+\)$/, '').toLowerCase();
}

/**
 * Turns an engine's bare lower-case words into a caption people read easily: sentences with
 * capitals, "I" and names, numbers in digits, and punctuation where the speaker paused. `words` without
 * timings (a plain string) gets everything but the pause punctuation.
 */
export function readableText(words: readonly TimedWord[] | string, options: ReadableTextOptions): string {
  const timed: TimedWord[] =
    typeof words === 'string'
      ? words.split(/\s+/).filter(Boolean).map((text) => ({ text, startSeconds: 0, endSeconds: 0 }))
      : words.filter((w) => w.text.trim() !== '');
  if (!timed.length) return '';
  const comma = options.commaPauseSeconds ?? DEFAULT_COMMA_PAUSE_SECONDS;
  const sentence = options.sentencePauseSeconds ?? DEFAULT_SENTENCE_PAUSE_SECONDS;
  const lower = timed.map((w) => bareWord(w.text));

  // Sentences first, from the pauses; punctuation goes after the last word before each pause.
  const breakAfter: ('' | ',' | '.')[] = lower.map(() => '');
  for (let i = 0; i + 1 < timed.length; i++) {
    const pause = timed[i + 1]!.startSeconds - timed[i]!.endSeconds;
    if (pause >= sentence) breakAfter[i] = '.';
    else if (pause >= comma) breakAfter[i] = ',';
  }
  if (options.final) breakAfter[lower.length - 1] = '.';

  const sentences: { words: string[]; end: '' | '.' }[] = [];
  let current: string[] = [];
  const commas: boolean[][] = [];
  let currentCommas: boolean[] = [];
  for (let i = 0; i < lower.length; i++) {
    current.push(lower[i]!);
    currentCommas.push(breakAfter[i] === ',');
    if (breakAfter[i] === '.' || i === lower.length - 1) {
      sentences.push({ words: current, end: breakAfter[i] === '.' ? '.' : '' });
      commas.push(currentCommas);
      current = [];
      currentCommas = [];
    }
  }

  return sentences
    .map((s, index) => {
      const question = looksLikeQuestion(s.words);
      const { words: written, spans } = writeNumbers(s.words);
      // A comma after the last spoken word of a number stays with the number.
      let spoken = 0;
      let afterTitle = false;
      const out = written.map((word, i) => {
        spoken += spans[i]!;
        const next = written[i + 1];
        const beforeName = next !== undefined && options.properNouns?.get(next) !== undefined;
        const title = TITLES[word] ?? (next !== undefined ? SPOKEN_TITLES[word] : undefined) ?? (beforeName ? TITLES_BEFORE_NAMES[word] : undefined);
        let shown = title ?? I_FORMS[word] ?? options.properNouns?.get(word) ?? word;
        // The word after a title is the name it goes with.
        if (i === 0 || afterTitle) shown = capitalise(shown);
        afterTitle = title !== undefined;
        const isLast = i === written.length - 1;
        if (!isLast && commas[index]![spoken - 1]) shown += ',';
        return shown;
      });
      const end = s.end === '.' ? (question ? '?' : '.') : '';
      // A title's own full stop already ends it.
      const last = out.length - 1;
      out[last] = end && out[last]!.endsWith('.') ? out[last]! : out[last] + end;
      return out.join(' ');
    })
    .join(' ');
}
