import type { LanguageCode } from '@parley/protocol';
import { SEQ2SEQ_CONFIG_FILES, catalogFiles, onnxFiles, type CatalogEntry } from '../../models/catalogEntry.js';
import type { MtEngineDefinition } from '../MtEngineDefinition.js';

/** Opus-MT directions converted for transformers.js; others go through English (see marianRoute). */
export const MARIAN_PAIRS: readonly [LanguageCode, LanguageCode][] = [
  ['en', 'es'],
  ['es', 'en'],
  ['en', 'fr'],
  ['fr', 'en'],
  ['en', 'de'],
  ['de', 'en'],
  ['en', 'it'],
  ['it', 'en'],
  ['en', 'nl'],
  ['nl', 'en'],
  ['es', 'fr'],
  ['fr', 'es'],
];

export const PIVOT_LANGUAGE: LanguageCode = 'en';

export function marianModelName(from: LanguageCode, to: LanguageCode): string {
  return `opus-mt-${from}-${to}`;
}

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

const MARIAN_MODELS: CatalogEntry[] = MARIAN_PAIRS.map(([from, to]) => ({
  name: marianModelName(from, to),
  engine: 'marian',
  repo: `Xenova/opus-mt-${from}-${to}`,
  revision: 'main',
  files: catalogFiles([...SEQ2SEQ_CONFIG_FILES, ...onnxFiles(false)]),
  approxMegabytes: 300,
  description: `Opus-MT translation ${from} → ${to}`,
  pair: { from, to },
}));

/** Opus-MT (Marian) models, one per direction, pivoting through English. */
export const marianDefinition: MtEngineDefinition = {
  name: 'marian',
  languages: [...new Set(MARIAN_PAIRS.flat())],
  models: MARIAN_MODELS,
  async prepare({ config, models, log }) {
    const has = (from: LanguageCode, to: LanguageCode) => models.complete(marianModelName(from, to));
    if (!MARIAN_PAIRS.some(([from, to]) => has(from, to))) {
      return { unavailable: `No Opus-MT model is in ${config.MODELS_DIR}. Run \`npm run models -- pull opus-mt-en-es\` (or another pair) where there is internet.` };
    }
    return {
      route(from, to) {
        const route = from === to ? undefined : marianRoute(from, to, has);
        if (!route) return undefined;
        return { quality: route.length === 2 ? 3 : 2 };
      },
      async create() {
        const { MarianEngine } = await import('../MarianEngine.js');
        return MarianEngine.create({ modelsDir: config.MODELS_DIR, device: config.DEVICE, log });
      },
    };
  },
};
