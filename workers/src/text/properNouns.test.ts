import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PocketsphinxEngine } from '../stt/PocketsphinxEngine.js';
import { DEFAULT_WORD_LIST, englishAnalyser, findNameLexicon, loadNameLexicon, withRoomNames } from './properNouns.js';

/** Debian's apertium-eng-spa and wamerican, installed by setup. */
const analyser = englishAnalyser();
const dir = mkdtempSync(join(tmpdir(), 'parley-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quietLog() {
  const lines: string[] = [];
  return { lines, info: (_: object, message: string) => void lines.push(message), warn: (_: object, message: string) => void lines.push(message) };
}

describe('findNameLexicon (Apertium\'s English analyser and the wamerican word list)', () => {
  it('finds the installed analyser', () => {
    expect(analyser).toMatch(/\/eng-spa\.automorf\.bin$/);
  });

  it('capitalises words the dictionary knows only as names, and leaves every other word alone', async () => {
    const vocabulary = ['monday', 'madrid', 'english', 'marianne', 'europe', "england's", 'ward', 'pastor', 'will', 'mark', 'the', 'table', 'dashwood', "'bout", 'x'];
    const { names, common } = await findNameLexicon({ vocabulary, analyser: analyser!, wordList: DEFAULT_WORD_LIST });
    expect([...common].sort()).toEqual(['mark', 'table', 'the', 'will']);
    expect(Object.fromEntries(names)).toEqual({
      monday: 'Monday',
      madrid: 'Madrid',
      english: 'English',
      marianne: 'Marianne',
      europe: 'Europe',
      "england's": "England's",
    });
  });

  it('keeps its result in the cache directory, made again when an input changes', async () => {
    const wordList = join(dir, 'words');
    copyFileSync(DEFAULT_WORD_LIST, wordList);
    const cacheDir = join(dir, 'cache');
    const sources = { vocabulary: ['paris', 'table'], analyser: analyser!, wordList, cacheDir };
    expect(Object.fromEntries((await findNameLexicon(sources)).names)).toEqual({ paris: 'Paris' });
    // A second start reads the file: an entry written into it shows up.
    const [file] = readdirSync(cacheDir);
    const cached = join(cacheDir, file!);
    const content = JSON.parse(readFileSync(cached, 'utf8')) as { names: Record<string, string>; common: string[] };
    expect(content.common).toEqual(['table']);
    writeFileSync(cached, JSON.stringify({ ...content, names: { ...content.names, table: 'TABLE' } }));
    expect((await findNameLexicon(sources)).names.get('table')).toBe('TABLE');
    // Another word list (a new modification time) is not answered from that file.
    utimesSync(wordList, new Date(), new Date(Date.now() + 60_000));
    expect(Object.fromEntries((await findNameLexicon(sources)).names)).toEqual({ paris: 'Paris' });
  });

  it('finds the names among pocketsphinx\'s whole dictionary', async () => {
    const engine = await PocketsphinxEngine.create({ poolSize: 1 });
    try {
      const log = quietLog();
      const lexicon = await loadNameLexicon(() => engine.vocabulary(), log, { cacheDir: join(dir, 'cache') });
      expect(lexicon!.names.size).toBeGreaterThan(1_000);
      expect(lexicon!.names.get('spanish')).toBe('Spanish');
      expect(lexicon!.names.has('would')).toBe(false);
      expect(lexicon!.common.has('would')).toBe(true);
      expect(lexicon!.common.has('john')).toBe(false);
      expect(log.lines).toEqual(["names in the recogniser's vocabulary found"]);
    } finally {
      await engine.close();
    }
  });

  it('adds the words of the room\'s display names, except common words, as typed or with a first capital', () => {
    const lexicon = { names: new Map([['madrid', 'Madrid']]), common: new Set(['will', 'grace']) };
    const names = withRoomNames(lexicon, ['John', 'Will', 'grace', 'McDonald', 'nguyen', "O'Neil"]);
    expect(['john', "john's", 'will', 'grace', 'mcdonald', "mcdonald's", 'nguyen', "o'neil", 'madrid', 'table'].map((w) => names.get(w))).toEqual([
      'John',
      "John's",
      undefined,
      undefined,
      'McDonald',
      "McDonald's",
      'Nguyen',
      "O'Neil",
      'Madrid',
      undefined,
    ]);
    expect(withRoomNames(lexicon, [])).toBe(lexicon.names);
  });

  it('says why names stay in lower case when the word list is missing', async () => {
    const log = quietLog();
    expect(await loadNameLexicon(async () => ['paris'], log, { wordList: join(dir, 'no-such-list') })).toBeUndefined();
    expect(log.lines[0]).toMatch(/^names are written in lower case: finding them needs/);
  });
});
