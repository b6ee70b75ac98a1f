import type { Redis } from 'ioredis';
import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';

export const ALL_LANGUAGES = Object.keys(LANGUAGES) as LanguageCode[];

/** Written where a pair has no engine at all. */
export const NO_ENGINE = 'none';

/**
 * "src>tgt" → the engines that make its captions, as captions name them: "whisper+marian",
 * "pocketsphinx+apertium"; "src>src" → the recogniser alone; NO_ENGINE where nothing recognises
 * the source language, "<stt>+none" where nothing translates the pair.
 */
export type EngineTable = Record<`${LanguageCode}>${LanguageCode}`, string>;

export function engineTable(
  stt: { name: string; languages: readonly LanguageCode[] },
  mtEngineFor: (from: LanguageCode, to: LanguageCode) => string | undefined,
  languages: readonly LanguageCode[] = ALL_LANGUAGES,
): EngineTable {
  const table = {} as EngineTable;
  for (const from of languages) {
    for (const to of languages) {
      const key = `${from}>${to}` as const;
      if (!stt.languages.includes(from)) table[key] = NO_ENGINE;
      else if (from === to) table[key] = stt.name;
      else table[key] = `${stt.name}+${mtEngineFor(from, to) ?? NO_ENGINE}`;
    }
  }
  return table;
}

/** Replaces the published table in one step, so a reader never sees half of an old and a new one. */
export async function publishEngineTable(redis: Redis, table: EngineTable): Promise<void> {
  await redis
    .multi()
    .del(REDIS_KEYS.engines)
    .hset(REDIS_KEYS.engines, table as Record<string, string>)
    .exec();
}
