/**
 * Which engine serves each language pair, decided once at start from STT_ENGINE / MT_ENGINE and
 * the weights in MODELS_DIR. The stt worker publishes the result so rooms can show it; the mt
 * worker and `npm run models -- list` use the same functions, so all three agree.
 */
import type { Redis } from 'ioredis';
import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import type { MtEngineChoice, SttEngineChoice, WhisperSize, WorkerConfig } from './config.js';
import { ApertiumEngine } from './mt/ApertiumEngine.js';
import { NLLB_MODEL_NAME, catalogEntry, marianModelName, whisperModelName } from './models/catalog.js';
import { modelState } from './models/inventory.js';

export type SttEngineName = 'whisper' | 'pocketsphinx';
export type MtEngineName = 'marian' | 'nllb' | 'apertium';

export const ALL_LANGUAGES = Object.keys(LANGUAGES) as LanguageCode[];

/** Languages each speech recognition engine serves. */
export const STT_ENGINE_LANGUAGES: Record<SttEngineName, readonly LanguageCode[]> = {
  whisper: ALL_LANGUAGES,
  pocketsphinx: ['en'],
};

/** Which neural weights are usable. */
export interface ModelAvailability {
  whisper(size: WhisperSize): boolean;
  marian(from: LanguageCode, to: LanguageCode): boolean;
  nllb(): boolean;
}

/** Availability read from MODELS_DIR: a model counts once every one of its files is in place. */
export function modelsIn(modelsDir: string): ModelAvailability {
  const complete = (name: string): boolean => {
    const entry = catalogEntry(name);
    return entry !== undefined && modelState(modelsDir, entry) === 'complete';
  };
  return {
    whisper: (size) => complete(whisperModelName(size)),
    marian: (from, to) => complete(marianModelName(from, to)),
    nllb: () => complete(NLLB_MODEL_NAME),
  };
}

export const PIVOT_LANGUAGE: LanguageCode = 'en';

/** The languages a Marian translation passes through: direct, or through English, or no route. */
export function marianRoute(
  from: LanguageCode,
  to: LanguageCode,
  hasPair: (from: LanguageCode, to: LanguageCode) => boolean,
): LanguageCode[] | undefined {
  if (from === to) return [from];
  if (hasPair(from, to)) return [from, to];
  if (from !== PIVOT_LANGUAGE && to !== PIVOT_LANGUAGE && hasPair(from, PIVOT_LANGUAGE) && hasPair(PIVOT_LANGUAGE, to)) {
    return [from, PIVOT_LANGUAGE, to];
  }
  return undefined;
}

/** `auto` takes Whisper when its weights are present; pocketsphinx (English only) otherwise. */
export function chooseSttEngine(choice: SttEngineChoice, size: WhisperSize, models: ModelAvailability): SttEngineName {
  if (choice !== 'auto') return choice;
  return models.whisper(size) ? 'whisper' : 'pocketsphinx';
}

/**
 * The engine for one direction, or undefined when none serves it. `auto` prefers a direct Marian
 * model, then NLLB (one model, one hop), then Marian through English, then Apertium.
 */
export function chooseMtEngine(
  from: LanguageCode,
  to: LanguageCode,
  choice: MtEngineChoice,
  models: ModelAvailability,
  apertiumSupports: (from: LanguageCode, to: LanguageCode) => boolean,
): MtEngineName | undefined {
  const marian = marianRoute(from, to, models.marian);
  switch (choice) {
    case 'marian':
      return marian ? 'marian' : undefined;
    case 'nllb':
      return models.nllb() ? 'nllb' : undefined;
    case 'apertium':
      return apertiumSupports(from, to) ? 'apertium' : undefined;
    case 'auto':
      if (marian?.length === 2) return 'marian';
      if (models.nllb()) return 'nllb';
      if (marian) return 'marian';
      return apertiumSupports(from, to) ? 'apertium' : undefined;
  }
}

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

/** Apertium's installed pairs, or undefined when its server does not answer within `timeoutMs`. */
export async function apertiumRoutes(url: string, timeoutMs = 2_000): Promise<((from: LanguageCode, to: LanguageCode) => boolean) | undefined> {
  try {
    const apertium = await ApertiumEngine.connect({ url, requestTimeoutMs: timeoutMs });
    return (from, to) => apertium.supports(from, to);
  } catch {
    return undefined;
  }
}

export type EngineSettings = Pick<WorkerConfig, 'STT_ENGINE' | 'MT_ENGINE' | 'MODEL_SIZE' | 'MODELS_DIR' | 'APERTIUM_URL'>;

/** True when some Marian or NLLB weights are in place. */
export function hasNeuralMt(models: ModelAvailability): boolean {
  return models.nllb() || ALL_LANGUAGES.some((from) => ALL_LANGUAGES.some((to) => from !== to && models.marian(from, to)));
}

/**
 * The MT choice for every pair. Apertium's pairs come from `apertiumSupports` when the caller is
 * connected already, else from asking apertium-apy, and only when MT_ENGINE may use it.
 */
export async function mtEngineChooser(
  settings: EngineSettings,
  models: ModelAvailability = modelsIn(settings.MODELS_DIR),
  apertiumSupports?: (from: LanguageCode, to: LanguageCode) => boolean,
): Promise<{ choose: (from: LanguageCode, to: LanguageCode) => MtEngineName | undefined; apertiumReachable: boolean | undefined }> {
  const mayUseApertium = settings.MT_ENGINE === 'auto' || settings.MT_ENGINE === 'apertium';
  const apertium = apertiumSupports ?? (mayUseApertium ? await apertiumRoutes(settings.APERTIUM_URL) : undefined);
  return {
    choose: (from, to) => chooseMtEngine(from, to, settings.MT_ENGINE, models, apertium ?? (() => false)),
    apertiumReachable: mayUseApertium ? apertium !== undefined : undefined,
  };
}
