/**
 * Whisper invents text where there is none: on silence and noise it writes the captions it saw
 * most in training ("Thank you.", "Subtitles by the Amara.org community"), and a decoder that has
 * lost its place repeats one token or phrase until the token limit. These checks are pure so they
 * can be tested without a model; WhisperEngine applies them to every decode.
 */

export interface DecodeSignals {
  /** Probability of the no-speech token at the start-of-transcript position. */
  noSpeechProb?: number;
  /** Mean log-probability of the generated tokens. */
  avgLogprob?: number;
}

export interface HallucinationFilterOptions {
  /** Above this no-speech probability (and below `logprobThreshold`) a decode is taken as silence. */
  noSpeechThreshold?: number;
  logprobThreshold?: number;
  /** A word or phrase repeated this many times in a row is degenerate and kept once. */
  maxRepeats?: number;
  /** Longest phrase, in words, looked for by the repetition check. */
  maxPhraseWords?: number;
}

// OpenAI's transcribe() defaults: both must hold, so a confident transcript of quiet speech survives.
export const DEFAULT_NO_SPEECH_THRESHOLD = 0.6;
const DEFAULT_LOGPROB_THRESHOLD = -1;
const DEFAULT_MAX_REPEATS = 4;
const DEFAULT_MAX_PHRASE_WORDS = 8;

/**
 * Texts Whisper writes on silence, music or noise, compared after `normalizeForMatch`. Dropped only
 * when they are the whole utterance: a person who says just "Thank you." loses that caption, which
 * is the price of not showing it to every room after every pause.
 */
const WHOLE_TEXT_HALLUCINATIONS = [
  'you',
  'thank you',
  'thank you very much',
  'thank you so much',
  'thanks',
  'thanks for watching',
  'thank you for watching',
  'thank you so much for watching',
  'thanks for watching and see you next time',
  'please subscribe',
  'like and subscribe',
  'subscribe to my channel',
  'bye',
  'bye bye',
  'the end',
  'gracias',
  'muchas gracias',
  'gracias por ver',
  'gracias por ver el video',
  'suscríbete',
  'merci',
  'merci beaucoup',
  "merci d'avoir regardé",
  'merci à tous',
  'vielen dank',
  'danke',
  'danke fürs zuschauen',
  'grazie',
  'grazie per la visione',
  'grazie a tutti',
  'obrigado',
  'obrigada',
  'obrigado por assistir',
  'bedankt voor het kijken',
  'gràcies',
  'продолжение следует',
].map(normalizeForMatch);

/** Credits of subtitle teams and broadcasters that Whisper learned as if they were speech. */
const HALLUCINATION_PATTERNS: RegExp[] = [
  /^(subtitles?|captions?|captioning|transcription|transcribed|translated|translation) (by|made by|provided by|from)\b/,
  /^(subtítulos|sous titres|sous titrage|untertitel|sottotitoli|legendas|ondertiteld|ondertiteling|subtítols|субтитры|редактор субтитров)\b/,
  /\bamara org\b/,
  /\bcopyright\b.*\b(wdr|zdf|ard|swr|ndr)\b/,
];

/** Non-speech annotations such as "[Music]", "(applause)", "♪ ♪" or "[BLANK_AUDIO]" alone. */
const ANNOTATION_ONLY = /^\s*(?:[[(*][^\])*]*[\])*]\s*|[♪♫#~.…\s-]+)+$/u;

/** Lower case, no punctuation or symbols, single spaces: "Thanks for watching!" → "thanks for watching". */
export function normalizeForMatch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’]/g, "'")
    .replace(/[^\p{L}\p{N}\s']+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when the decoder's own signals say the audio held no speech. */
export function isLikelyNoSpeech(signals: DecodeSignals, options: HallucinationFilterOptions = {}): boolean {
  const { noSpeechProb, avgLogprob } = signals;
  if (noSpeechProb === undefined) return false;
  const noSpeechThreshold = options.noSpeechThreshold ?? DEFAULT_NO_SPEECH_THRESHOLD;
  const logprobThreshold = options.logprobThreshold ?? DEFAULT_LOGPROB_THRESHOLD;
  return noSpeechProb > noSpeechThreshold && (avgLogprob === undefined || avgLogprob < logprobThreshold);
}

/**
 * Keeps one copy of any word or phrase (up to `maxPhraseWords` words) that repeats `maxRepeats` or
 * more times in a row: "no no no no no" → "no", "I think I think I think I think so" → "I think so".
 */
export function collapseRepetitions(text: string, options: HallucinationFilterOptions = {}): string {
  const maxRepeats = options.maxRepeats ?? DEFAULT_MAX_REPEATS;
  const maxPhraseWords = options.maxPhraseWords ?? DEFAULT_MAX_PHRASE_WORDS;
  const words = text.trim().split(/\s+/).filter(Boolean);
  const keys = words.map(normalizeForMatch);
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    let skipped = false;
    for (let size = 1; size <= maxPhraseWords && i + size * maxRepeats <= words.length; size++) {
      let repeats = 1;
      while (sameRun(keys, i, i + repeats * size, size)) repeats++;
      if (repeats >= maxRepeats) {
        // The last copy keeps its own punctuation ("… no no no." → "no.").
        out.push(...words.slice(i + (repeats - 1) * size, i + repeats * size));
        i += repeats * size;
        skipped = true;
        break;
      }
    }
    if (!skipped) out.push(words[i++]!);
  }
  return out.join(' ');
}

function sameRun(keys: string[], a: number, b: number, size: number): boolean {
  if (b + size > keys.length) return false;
  for (let k = 0; k < size; k++) if (keys[a + k] !== keys[b + k] || keys[a + k] === '') return false;
  return true;
}

/** True when the whole text is something Whisper writes on silence rather than something said. */
export function isKnownHallucination(text: string): boolean {
  if (ANNOTATION_ONLY.test(text)) return true;
  const key = normalizeForMatch(text);
  if (key === '') return true;
  return WHOLE_TEXT_HALLUCINATIONS.includes(key) || HALLUCINATION_PATTERNS.some((p) => p.test(key));
}

/** The text worth showing from one decode, or '' when it is most likely invented. */
export function filterTranscript(text: string, signals: DecodeSignals = {}, options: HallucinationFilterOptions = {}): string {
  if (isLikelyNoSpeech(signals, options)) return '';
  const collapsed = collapseRepetitions(text, options);
  return isKnownHallucination(collapsed) ? '' : collapsed;
}
