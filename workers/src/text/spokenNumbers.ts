import { capitalise } from './capitalise.js';

/**
 * Spoken English numbers as people write them: "twenty five" → "25", "one hundred and five" →
 * "105", "nineteen eighty four" and "twenty twenty four" → "1984", "2024", "twenty first" →
 * "21st", "twelve thousand five hundred" → "12,500", "five million" → "5 million", "one point
 * five" → "1.5", "fifty percent" → "50%", and times after "at", "by", "until"… or before
 * "a.m."/"p.m.": "at three thirty" → "at 3:30", "five p m" → "5 p.m.", dates ("may fifth" →
 * "May 5") and amounts ("twenty five dollars" → "$25", "five euros" → "€5"). Other numbers below ten
 * stay words ("two cats"), as most style guides write them, and so do runs of single digits,
 * whose meaning (a code, a count) the words alone do not tell.
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
      // "twenty ten", "twenty fifteen": years too.
      if (lastKind === 'tens' && unit >= 10 && group === 20 && i === start + 1) {
        group = 2000 + unit;
        lastKind = 'teen';
        sawNumber = true;
        ordinal = isOrdinal;
        i += 1;
        break;
      }
      if (lastKind === 'tens' && unit >= 10) break;
      group += unit;
      lastKind = unit >= 10 ? 'teen' : 'unit';
    } else if (tens !== undefined) {
      // "nineteen eighty", "twenty twenty": a year, read as two pairs of digits.
      const twentyYear = lastKind === 'tens' && group === 20 && i === start + 1;
      if (lastKind === 'unit' || (lastKind === 'tens' && !twentyYear)) break;
      if (lastKind === 'teen' || twentyYear) {
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

/** Months that are also everyday words ("you may", "we march") are dates only before an ordinal. */
const VERB_MONTHS = new Set(['march', 'may', 'august']);
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const CURRENCIES: Record<string, string> = { dollars: '$', dollar: '$', euros: '€', euro: '€' };

/** Words before a time of day: "at three thirty", "until five fifteen". */
const TIME_BEFORE = new Set(['at', 'by', 'until', 'till', 'from', 'around', 'before', 'after', 'since']);
/** Digits said one by one after a decimal point: the units below ten, and "oh". */
const DIGIT_WORDS: Record<string, string> = { ...Object.fromEntries(Object.entries(UNITS).filter(([, v]) => v < 10).map(([k, v]) => [k, String(v)])), oh: '0' };

/** "a m", "a.m.", "am" (after a time) and the p.m. forms; the written form and how many words it took. */
function meridiem(words: readonly string[], at: number): { text: string; length: number } | undefined {
  const [word, next] = [words[at], words[at + 1]];
  if (word === 'a.m.' || word === 'am') return { text: 'a.m.', length: 1 };
  if (word === 'p.m.' || word === 'pm') return { text: 'p.m.', length: 1 };
  if ((word === 'a' || word === 'p') && next === 'm') return { text: `${word}.m.`, length: 2 };
  return undefined;
}

/** A time of day at words[start]: "three thirty" → 3:30, "five oh five p m" → 5:05 p.m. */
function parseTime(words: readonly string[], start: number): { text: string; length: number } | undefined {
  const hour = UNITS[words[start]!];
  if (hour === undefined || hour < 1 || hour > 12) return undefined;
  let i = start + 1;
  let minutes: number | undefined;
  const [first, second] = [words[i], words[i + 1]];
  if (first === 'oh' && second !== undefined && (UNITS[second] ?? 0) >= 1 && UNITS[second]! <= 9) {
    minutes = UNITS[second];
    i += 2;
  } else if (first !== undefined && (UNITS[first] ?? 0) >= 10) {
    minutes = UNITS[first];
    i += 1;
  } else if (first !== undefined && first in TENS && TENS[first]! <= 50) {
    minutes = TENS[first]!;
    i += 1;
    const unit = second === undefined ? undefined : UNITS[second];
    if (unit !== undefined && unit >= 1 && unit <= 9) {
      minutes += unit;
      i += 1;
    }
  }
  const ampm = meridiem(words, i);
  // A bare hour is a time only with a.m./p.m.; hour and minutes also after "at", "until"….
  if (!ampm && (minutes === undefined || !TIME_BEFORE.has(words[start - 1] ?? ''))) return undefined;
  const clock = minutes === undefined ? String(hour) : `${hour}:${String(minutes).padStart(2, '0')}`;
  return { text: ampm ? `${clock} ${ampm.text}` : clock, length: i - start + (ampm?.length ?? 0) };
}

/** "point five", "point oh two": the digits after a decimal point and how many words they took. */
function decimals(words: readonly string[], at: number): { digits: string; length: number } | undefined {
  if (words[at] !== 'point') return undefined;
  let digits = '';
  let i = at + 1;
  while (i < words.length && words[i]! in DIGIT_WORDS) digits += DIGIT_WORDS[words[i++]!];
  return digits ? { digits, length: i - at } : undefined;
}

/** 12500 → "12,500"; four digits and fewer as they are (years, "1500"). */
function grouped(value: number): string {
  return value >= 10_000 ? value.toLocaleString('en-US') : String(value);
}

/** Whole millions and billions below a thousand of them as "5 million", others in digits. */
function cardinal(value: number): string {
  for (const [scale, name] of [[1_000_000_000, 'billion'], [1_000_000, 'million']] as const) {
    if (value >= scale && value % scale === 0 && value / scale < 1_000) return `${value / scale} ${name}`;
  }
  return grouped(value);
}

/** Replaces spoken numbers in lower-case words with digits (see above); other words pass through. */
export function writeNumbers(words: readonly string[]): { words: string[]; spans: number[] } {
  const out: string[] = [];
  /** How many input words each output word stands for. */
  const spans: number[] = [];
  const push = (text: string, length: number) => {
    out.push(text);
    spans.push(length);
  };
  let i = 0;
  while (i < words.length) {
    // "may fifth", "june the third", "august twenty first": a date, the month with its capital.
    if (MONTHS.includes(words[i]!)) {
      const ambiguous = VERB_MONTHS.has(words[i]!);
      const dayAt = words[i + 1] === 'the' && !ambiguous ? i + 2 : i + 1;
      const day = parseNumber(words, dayAt);
      if (day && day.value >= 1 && day.value <= 31 && day.length <= 2 && (day.ordinal || (dayAt === i + 1 && !ambiguous))) {
        push(`${capitalise(words[i]!)} ${day.value}`, dayAt - i + day.length);
        i = dayAt + day.length;
        continue;
      }
    }
    const time = parseTime(words, i);
    if (time) {
      push(time.text, time.length);
      i += time.length;
      continue;
    }
    const parsed = parseNumber(words, i);
    if (!parsed) {
      push(words[i]!, 1);
      i += 1;
      continue;
    }
    let length = parsed.length;
    let text = parsed.ordinal ? `${parsed.value}${ordinalSuffix(parsed.value)}` : cardinal(parsed.value);
    let digits = !parsed.singleDigit && parsed.value >= 10;
    const fraction = parsed.ordinal ? undefined : decimals(words, i + length);
    if (fraction && parsed.value < 1_000_000) {
      text = `${grouped(parsed.value)}.${fraction.digits}`;
      length += fraction.length;
      digits = true;
      const scale = words[i + length];
      if (scale === 'million' || scale === 'billion') {
        text += ` ${scale}`;
        length += 1;
      }
    }
    if (!parsed.ordinal && words[i + length] === 'percent') {
      text = `${text}%`;
      length += 1;
      digits = true;
    }
    const currency = parsed.ordinal ? undefined : CURRENCIES[words[i + length] ?? ''];
    if (currency && !text.endsWith('%')) {
      text = `${currency}${text}`;
      length += 1;
      digits = true;
    }
    if (!digits) {
      push(words[i]!, 1);
      i += 1;
      continue;
    }
    push(text, length);
    i += length;
  }
  return { words: out, spans };
}
