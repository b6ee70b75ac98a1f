import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { capitalise } from './capitalise.js';

/** Lower-case word → how it is written ("john" → "John", "monday" → "Monday"), or undefined. */
export interface ProperNouns {
  get(word: string): string | undefined;
}

/** What the clean-up knows of English names, found once per start. */
export interface NameLexicon {
  /** The recogniser's words that are names wherever they stand. */
  names: ReadonlyMap<string, string>;
  /**
   * The recogniser's words Apertium's English dictionary knows in lower case: a person in the room
   * called Will or Grace does not make "will" or "grace" a name, one called John makes "john" one.
   */
  common: ReadonlySet<string>;
}

export interface ProperNounSources {
  /** The words the recogniser can write, lower case (pocketsphinx's pronunciation dictionary). */
  vocabulary: Iterable<string>;
  /** Apertium's English morphological analyser (`eng-*.automorf.bin`), run with `lt-proc`. */
  analyser: string;
  /**
   * A spelling word list with one word per line, capitals where the word takes them (Debian's
   * `wamerican`). A word it also lists in lower case ("ward", "bob", "will") is never capitalised.
   */
  wordList: string;
  /** Where the result is kept between starts; computing it takes a few seconds of CPU. */
  cacheDir?: string;
}

export const DEFAULT_WORD_LIST = '/usr/share/dict/american-english';
const APERTIUM_DIR = '/usr/share/apertium';
/** Bump when the rule below changes, so cached lists made by the old rule are not used. */
const RULE_VERSION = 3;
const WORD = /^[a-z][a-z']*[a-z]$/;

/** Apertium's English analyser from an installed pair (English–Spanish first), or undefined. */
export function englishAnalyser(apertiumDir = APERTIUM_DIR): string | undefined {
  let pairs: string[];
  try {
    pairs = readdirSync(apertiumDir).filter((dir) => /^apertium-eng-/.test(dir)).sort((a, b) => Number(b === 'apertium-eng-spa') - Number(a === 'apertium-eng-spa'));
  } catch {
    return undefined;
  }
  for (const pair of pairs) {
    const file = join(apertiumDir, pair, `${pair.slice('apertium-'.length)}.automorf.bin`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export function defaultCacheDir(): string {
  return process.env.PARLEY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'parley');
}

/**
 * The recogniser's words that are names: pocketsphinx writes every word in lower case, so "john"
 * and "madrid" need their capitals back. A word counts as a name when Apertium's English
 * dictionary knows it only with a capital (it knows "Monday", "John", "Madrid", "English", but
 * not "monday") and the spelling list has no lower-case word spelt the same (it has "ward",
 * "pastor" and "bob", which Apertium's dictionary only knows as names). Doubtful words stay in
 * lower case: a missing capital reads better than a wrong one.
 */
export async function findNameLexicon(sources: ProperNounSources): Promise<NameLexicon> {
  const words = [...new Set([...sources.vocabulary].map((w) => w.toLowerCase()))].filter((w) => WORD.test(w)).sort();
  const cacheFile = sources.cacheDir && join(sources.cacheDir, `proper-nouns-${cacheKey(words, sources)}.json`);
  if (cacheFile) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { names: Record<string, string>; common: string[] };
      return { names: new Map(Object.entries(cached.names)), common: new Set(cached.common) };
    } catch {
      // Not made yet, or unreadable: made again below.
    }
  }
  const lowerInList = new Set(
    (await readFile(sources.wordList, 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && line === line.toLowerCase()),
  );
  // A possessive is its name's: "england's" is written as "england" is.
  const stems = [...new Set(words.map(stem))].filter((w) => WORD.test(w));
  const lowerKnown = await analyse(sources.analyser, stems);
  const common = new Set(stems.filter((_, i) => lowerKnown[i]));
  const capitalisedStems = stems.filter((w, i) => !lowerKnown[i] && !lowerInList.has(w)).map(capitalise);
  const capitalKnown = await analyse(sources.analyser, capitalisedStems);
  const nameStems = new Set(capitalisedStems.filter((_, i) => capitalKnown[i]).map((w) => w.toLowerCase()));
  const names = new Map<string, string>();
  for (const word of words) {
    if (nameStems.has(stem(word))) names.set(word, capitalise(word));
  }
  if (cacheFile) {
    // A cache that cannot be written (a read-only home) only means computing it again next time.
    const partial = `${cacheFile}.${process.pid}.part`;
    await mkdir(sources.cacheDir!, { recursive: true })
      .then(() => writeFile(partial, JSON.stringify({ names: Object.fromEntries(names), common: [...common] })))
      .then(() => rename(partial, cacheFile))
      .catch(() => undefined);
  }
  return { names, common };
}

/**
 * The lexicon's names plus the room's: each word of the display names of the people in the room,
 * as they typed it (with a first capital if they typed none), unless it is a common English word.
 * pocketsphinx writes "thanks john"; in a room with a John it reads "Thanks John".
 */
export function withRoomNames(lexicon: NameLexicon, roomWords: readonly string[]): ProperNouns {
  const room = new Map<string, string>();
  for (const word of roomWords) {
    const key = word.toLowerCase();
    if (!lexicon.common.has(key)) room.set(key, word === key ? capitalise(word) : word);
  }
  if (!room.size) return lexicon.names;
  return {
    get(word) {
      const own = room.get(word);
      if (own) return own;
      const base = stem(word);
      const name = base !== word ? room.get(base) : undefined;
      return name ? name + word.slice(base.length) : lexicon.names.get(word);
    },
  };
}

function stem(word: string): string {
  return word.replace(/'s?$/, '');
}


/** The inputs' identity: the words, and each file's path, size and modification time. */
function cacheKey(words: readonly string[], sources: ProperNounSources): string {
  const hash = createHash('sha256').update(`rule ${RULE_VERSION}\n`);
  for (const file of [sources.analyser, sources.wordList]) {
    const stat = statSync(file);
    hash.update(`${file} ${stat.size} ${stat.mtimeMs}\n`);
  }
  hash.update(words.join('\n'));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Whether Apertium's analyser knows each word as written, one `lt-proc` run for all of them: it
 * prints one line per input line, `^word/analysis…$`, with `*` for a word it does not know.
 */
async function analyse(analyser: string, words: readonly string[]): Promise<boolean[]> {
  if (!words.length) return [];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('lt-proc', [analyser], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', (error) => reject(new Error(`lt-proc could not run (Debian package lttoolbox): ${error.message}`)));
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`lt-proc exited with ${code}: ${err.trim()}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(words.join('\n') + '\n');
  });
  const lines = output.split('\n');
  if (lines.length < words.length) throw new Error(`lt-proc gave ${lines.length} lines for ${words.length} words`);
  return words.map((_, i) => {
    const units = lines[i]!.match(/\^[^$]*\$/g) ?? [];
    // A word Apertium splits into several units ("'bout") is not one dictionary word.
    return units.length === 1 && !units[0]!.includes('/*');
  });
}

interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * The names among an English recogniser's words, or undefined (saying why in the log) where the
 * sources are not installed or the analyser fails: captions then keep names in lower case.
 */
export async function loadNameLexicon(vocabulary: () => Promise<string[]>, log: Log, sources: { analyser?: string; wordList?: string; cacheDir?: string } = {}): Promise<NameLexicon | undefined> {
  const analyser = sources.analyser ?? englishAnalyser();
  const wordList = sources.wordList ?? DEFAULT_WORD_LIST;
  if (!analyser || !existsSync(wordList)) {
    log.info(
      { analyser: analyser ?? null, wordList },
      'names are written in lower case: finding them needs Apertium\'s English dictionary (Debian package apertium-eng-spa) and a spelling word list (wamerican)',
    );
    return undefined;
  }
  try {
    const lexicon = await findNameLexicon({ vocabulary: await vocabulary(), analyser, wordList, cacheDir: sources.cacheDir ?? defaultCacheDir() });
    log.info({ names: lexicon.names.size, commonWords: lexicon.common.size }, 'names in the recogniser\'s vocabulary found');
    return lexicon;
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'names are written in lower case: they could not be found');
    return undefined;
  }
}
