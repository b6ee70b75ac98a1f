import type { LanguageCode } from '@parley/protocol';
import { SEQ2SEQ_CONFIG_FILES, catalogFiles, onnxFiles } from '../../models/catalogEntry.js';
import type { MtEngineDefinition } from '../MtEngineDefinition.js';

export const NLLB_MODEL_NAME = 'nllb-200-distilled-600M';

/** NLLB-200 names languages by ISO 639-3 and script (FLORES-200 codes). */
export const NLLB_CODES: Record<LanguageCode, string> = {
  en: 'eng_Latn',
  es: 'spa_Latn',
  fr: 'fra_Latn',
  de: 'deu_Latn',
  it: 'ita_Latn',
  pt: 'por_Latn',
  ca: 'cat_Latn',
  nl: 'nld_Latn',
};

/** One multilingual model for every pair of the product's languages, in one hop. */
export const nllbDefinition: MtEngineDefinition = {
  name: 'nllb',
  languages: Object.keys(NLLB_CODES) as LanguageCode[],
  models: [
    {
      name: NLLB_MODEL_NAME,
      engine: 'nllb',
      repo: 'Xenova/nllb-200-distilled-600M',
      revision: 'main',
      files: catalogFiles([...SEQ2SEQ_CONFIG_FILES, ...onnxFiles(true)]),
      approxMegabytes: 900,
      description: 'NLLB-200 translation between any two of 200 languages (int8)',
    },
  ],
  async prepare({ config, models, log }) {
    if (!models.complete(NLLB_MODEL_NAME)) {
      return { unavailable: `The NLLB weights are not complete in ${models.dir(NLLB_MODEL_NAME)}. Run \`npm run models -- pull ${NLLB_MODEL_NAME}\` where there is internet.` };
    }
    return {
      route: (from, to) => (from !== to && from in NLLB_CODES && to in NLLB_CODES ? { quality: 2.5 } : undefined),
      async create() {
        const { NllbEngine } = await import('../NllbEngine.js');
        return NllbEngine.create({ modelDir: models.dir(NLLB_MODEL_NAME), device: config.DEVICE, log });
      },
    };
  },
};
