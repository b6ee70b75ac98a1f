import type { LanguageCode } from '@parley/protocol';
import { MtError, type MtEngine } from './MtEngine.js';

/** The languages Apertium may serve here, by their ISO 639-3 names in Apertium. */
export const APERTIUM_CODES: Record<LanguageCode, string> = {
  en: 'eng',
  es: 'spa',
  fr: 'fra',
  de: 'deu',
  it: 'ita',
  pt: 'por',
  ca: 'cat',
  nl: 'nld',
};
const FROM_APERTIUM = new Map(Object.entries(APERTIUM_CODES).map(([k, v]) => [v, k as LanguageCode]));

export interface ApertiumEngineOptions {
  /** Base URL of an apertium-apy server. */
  url: string;
  requestTimeoutMs?: number;
}

/**
 * Apertium's raw output has doubled spaces where words were dropped, and marks words: `*` unknown
 * (passed through untranslated), `@` no translation of the lemma, `#` could not inflect. Readers
 * get the words alone.
 */
export function cleanApertiumOutput(text: string): string {
  return text.replace(/(^|[\s"'(¿¡])[*@#](?=\S)/g, '$1').replace(/\s+/g, ' ').trim();
}

/**
 * Apertium moves a sentence's capital to its first word it translates: with an unknown word first
 * ("*Elinor was there"), the next word comes out capitalised too ("Elinor Era allí"). Marked
 * output shows where that happened; the word after a sentence-opening run of unknown words is put
 * back in lower case.
 */
export function uncapitaliseAfterUnknownOpening(marked: string): string {
  return marked.replace(/(^|[.!?]\s+)((?:[¿¡"'(]?\*\S+\s+)+)([@#]?)(\p{Lu})(\p{Ll}*)/gu, (_m, start: string, unknown: string, mark: string, first: string, rest: string) => `${start}${unknown}${mark}${first.toLowerCase()}${rest}`);
}

/**
 * Spanish opens a question with "¿" and an exclamation with "¡"; Apertium's English–Spanish pair
 * writes only the closing mark ("Dónde vas?"). Each sentence that ends with "?" or "!" and has no
 * opening mark gets one at its start, inside any opening quote or bracket.
 */
export function spanishOpeningMarks(text: string): string {
  const pieces = text.split(/(?<=[.?!…]["'»)\]]*)(\s+)/u);
  // Sentences, each with the space after it; a title's full stop ("Sr. Coulter") ends none.
  const sentences: string[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const sentence = pieces[i]! + (pieces[i + 1] ?? '');
    const last = sentences.length - 1;
    if (last >= 0 && /(^|\s)(Sr|Sra|Srta|Dr|Dra|Ud|Uds)\.\s*$/u.test(sentences[last]!)) sentences[last] += sentence;
    else sentences.push(sentence);
  }
  return sentences
    .map((sentence) =>
      sentence.replace(/^(["'«(\[—-]*)(.*?)([?!]+)(["'»)\]]*\s*)$/su, (whole, opening: string, body: string, end: string, closing: string) => {
        const open = /^\?+$/.test(end) ? '¿' : /^!+$/.test(end) ? '¡' : undefined;
        if (!open || body.trim() === '' || body.includes(open)) return whole;
        return `${opening}${open}${body}${end}${closing}`;
      }),
    )
    .join('');
}

/** How each language writes 12,500.75: its thousands separator and decimal mark. */
const NUMBER_MARKS: Partial<Record<LanguageCode, { thousands: string; decimal: string }>> = {
  es: { thousands: '.', decimal: ',' },
  pt: { thousands: '.', decimal: ',' },
  it: { thousands: '.', decimal: ',' },
  ca: { thousands: '.', decimal: ',' },
  fr: { thousands: '\u202f', decimal: ',' },
  de: { thousands: '.', decimal: ',' },
  nl: { thousands: '.', decimal: ',' },
};

/**
 * Apertium copies numbers as the English caption wrote them ("12,500", "2.5%"); readers of the
 * languages that write them "12.500" and "2,5" get them so. Times ("3:30") are left alone.
 */
export function localiseNumbers(text: string, lang: LanguageCode): string {
  const marks = NUMBER_MARKS[lang];
  if (!marks) return text;
  return text.replace(/(?<![\d.,:])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d:]|[.,]\d)/g, (whole, integer: string, fraction: string | undefined) => {
    if (fraction === undefined && !integer.includes(',')) return whole;
    const grouped = integer.replaceAll(',', marks.thousands);
    return fraction === undefined ? grouped : `${grouped}${marks.decimal}${fraction}`;
  });
}

/**
 * Rule-based translation through apertium-apy, which keeps each pair's pipeline warm.
 * Where no direct pair is installed, translates through one intermediate language.
 */
export class ApertiumEngine implements MtEngine {
  readonly name = 'apertium';
  private readonly url: string;
  private readonly requestTimeoutMs: number;
  private pairs = new Set<string>();

  private constructor(options: ApertiumEngineOptions) {
    this.url = options.url.replace(/\/$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Connects and reads the installed pairs; fails with a sentence if the server is not there. */
  static async connect(options: ApertiumEngineOptions): Promise<ApertiumEngine> {
    const engine = new ApertiumEngine(options);
    await engine.refreshPairs();
    return engine;
  }

  async refreshPairs(): Promise<void> {
    const body = (await this.get('/listPairs')) as { responseData?: { sourceLanguage: string; targetLanguage: string }[] };
    const pairs = new Set<string>();
    for (const p of body.responseData ?? []) {
      const from = FROM_APERTIUM.get(p.sourceLanguage);
      const to = FROM_APERTIUM.get(p.targetLanguage);
      if (from && to) pairs.add(`${from}>${to}`);
    }
    this.pairs = pairs;
  }

  /** The languages a translation from → to passes through, or undefined if there is no route. */
  route(from: LanguageCode, to: LanguageCode): LanguageCode[] | undefined {
    if (from === to) return [from];
    if (this.pairs.has(`${from}>${to}`)) return [from, to];
    for (const pair of this.pairs) {
      const [a, b] = pair.split('>') as [LanguageCode, LanguageCode];
      if (a === from && this.pairs.has(`${b}>${to}`)) return [from, b, to];
    }
    return undefined;
  }

  supports(from: LanguageCode, to: LanguageCode): boolean {
    return this.route(from, to) !== undefined;
  }

  async translate(text: string, from: LanguageCode, to: LanguageCode): Promise<string> {
    const route = this.route(from, to);
    if (!route) throw new MtError(`Apertium has no installed route from ${from} to ${to}.`, false);
    let current = text;
    for (let i = 0; i + 1 < route.length; i++) {
      if (current.trim() === '') return '';
      const langpair = `${APERTIUM_CODES[route[i]!]}|${APERTIUM_CODES[route[i + 1]!]}`;
      // Marked, so the case fix below can see unknown words; the marks are removed after it.
      const query = new URLSearchParams({ langpair, q: current, markUnknown: 'yes' });
      const body = (await this.get(`/translate?${query}`)) as { responseData?: { translatedText?: string }; responseDetails?: string };
      if (typeof body.responseData?.translatedText !== 'string') {
        throw new MtError(`Apertium gave no translation for ${langpair}: ${body.responseDetails ?? 'no details'}`, true);
      }
      current = cleanApertiumOutput(uncapitaliseAfterUnknownOpening(body.responseData.translatedText));
    }
    const localised = localiseNumbers(current, to);
    return to === 'es' ? spanishOpeningMarks(localised) : localised;
  }

  private async get(path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (error) {
      throw new MtError(`Cannot reach the Apertium server at ${this.url} (${(error as Error).message}); is apertium-apy running?`, true);
    }
    if (!response.ok) throw new MtError(`Apertium server answered HTTP ${response.status} for ${path.split('?')[0]}.`, response.status >= 500);
    return response.json();
  }

  async close(): Promise<void> {}
}
