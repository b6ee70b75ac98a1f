/**
 * Spoken English numbers as people write them: "twenty five" → "25", "one hundred and five" →
 * "105", "nineteen eighty four" → "1984", "twenty first" → "21st". Numbers below ten stay words
 * ("two cats"), as most style guides write them, and so do runs of single digits, whose meaning
 * (a code, a count) the words alone do not tell.
 */

const UNITS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16,
  seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const SCALES: Record<string, number> = { thousand: 1_000, million: 1_000_000, billion: 1_000_000_000 };
const ORDINAL_UNITS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9,
  tenth: 10, eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16,
  seventeenth: 17, eighteenth: 18, nineteenth: 19,
};
const ORDINAL_TENS: Record<string, number> = {
  twentieth: 20, thirtieth: 30, fortieth: 40, fiftieth: 50, sixtieth: 60, seventieth: 70, eightieth: 80, ninetieth: 90,
};
const ORDINAL_SCALES: Record<string, number> = { hundredth: 100, thousandth: 1_000, millionth: 1_000_000 };

function ordinalSuffix(n: number): string {
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/** A number read from the start of `words`: its value, how many words it took, whether ordinal. */
interface ParsedNumber {
  value: number;
  length: number;
  ordinal: boolean;
  /** One word of one digit: "two" (kept as a word). */
  singleDigit: boolean;
}

/** Reads a cardinal (or ordinal) number from words[start…]; undefined when none starts there. */
function parseNumber(words: readonly string[], start: number): ParsedNumber | undefined {
  let total = 0; // completed thousands, millions…
  let group = 0; // the part below a thousand being read
  let i = start;
  let sawNumber = false;
  let ordinal = false;
  let lastKind: 'unit' | 'teen' | 'tens' | 'hundred' | 'scale' | undefined;
  while (i < words.length && !ordinal) {
    const word = words[i]!;
    const next = words[i + 1];
    if (word === 'a' && !sawNumber && (next === 'hundred' || next === 'thousand' || next === 'million')) {
      group = 1;
      lastKind = 'unit';
      sawNumber = true;
      i += 1;
      continue;
    }
    if (word === 'and' && sawNumber && (lastKind === 'hundred' || lastKind === 'scale') && next !== undefined && (next in UNITS || next in TENS || next in ORDINAL_UNITS || next in ORDINAL_TENS)) {
      i += 1;
      continue;
    }
    const unit = UNITS[word] ?? ORDINAL_UNITS[word];
    const tens = TENS[word] ?? ORDINAL_TENS[word];
    const isOrdinal = word in ORDINAL_UNITS || word in ORDINAL_TENS || word in ORDINAL_SCALES;
    if (unit !== undefined) {
      // "two nine": a second unit after a unit starts another number.
      if (lastKind === 'unit' || lastKind === 'teen') break;
      if (lastKind === 'tens' && unit >= 10) break;
      group += unit;
      lastKind = unit >= 10 ? 'teen' : 'unit';
    } else if (tens !== undefined) {
      if (lastKind === 'unit' || lastKind === 'tens') break;
      // "nineteen eighty": a year, read as two pairs of digits.
      if (lastKind === 'teen') {
        group = group * 100 + tens;
        lastKind = 'tens';
        sawNumber = true;
        ordinal = isOrdinal;
        i += 1;
        continue;
      }
      group += tens;
      lastKind = 'tens';
    } else if (word === 'hundred' || word === 'hundredth') {
      if (!sawNumber || lastKind === 'hundred' || group === 0 || group >= 100) break;
      group *= 100;
      lastKind = 'hundred';
    } else if (word in SCALES || word in ORDINAL_SCALES) {
      const scale = SCALES[word] ?? ORDINAL_SCALES[word]!;
      if (!sawNumber || group === 0 || lastKind === 'scale') break;
      total += group * scale;
      group = 0;
      lastKind = 'scale';
    } else {
      break;
    }
    sawNumber = true;
    ordinal = isOrdinal;
    i += 1;
  }
  // An "and" that ended the number belongs to the sentence.
  while (i > start && words[i - 1] === 'and') i -= 1;
  if (!sawNumber || i === start) return undefined;
  const length = i - start;
  return { value: total + group, length, ordinal, singleDigit: length === 1 && total + group < 10 };
}

/** Replaces spoken numbers of ten and more in lower-case words with digits; other words pass through. */
export function writeNumbers(words: readonly string[]): { words: string[]; spans: number[] } {
  const out: string[] = [];
  /** How many input words each output word stands for. */
  const spans: number[] = [];
  let i = 0;
  while (i < words.length) {
    const parsed = parseNumber(words, i);
    if (!parsed || parsed.value < 10 || parsed.singleDigit) {
      out.push(words[i]!);
      spans.push(1);
      i += 1;
      continue;
    }
    out.push(parsed.ordinal ? `${parsed.value}${ordinalSuffix(parsed.value)}` : String(parsed.value));
    spans.push(parsed.length);
    i += parsed.length;
  }
  return { words: out, spans };
}
