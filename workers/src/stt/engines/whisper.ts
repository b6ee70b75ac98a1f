import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import { WHISPER_CONFIG_FILES, catalogFiles, onnxFiles, type CatalogEntry } from '../../models/catalogEntry.js';
import type { SttEngineDefinition } from '../SttEngineDefinition.js';

export const WHISPER_SIZES = ['tiny', 'base', 'small', 'medium', 'large-v3'] as const;
export type WhisperSize = (typeof WHISPER_SIZES)[number];

export const WHISPER_LANGUAGES = Object.keys(LANGUAGES) as LanguageCode[];

const WHISPER_SOURCES: Record<WhisperSize, { repo: string; quantized: boolean; approxMegabytes: number }> = {
  tiny: { repo: 'onnx-community/whisper-tiny', quantized: false, approxMegabytes: 155 },
  base: { repo: 'onnx-community/whisper-base', quantized: false, approxMegabytes: 300 },
  small: { repo: 'onnx-community/whisper-small', quantized: false, approxMegabytes: 970 },
  medium: { repo: 'Xenova/whisper-medium', quantized: true, approxMegabytes: 950 },
  'large-v3': { repo: 'onnx-community/whisper-large-v3', quantized: true, approxMegabytes: 1_700 },
};

export function whisperModelName(size: WhisperSize): string {
  return `whisper-${size}`;
}

const WHISPER_MODELS: CatalogEntry[] = WHISPER_SIZES.map((size) => {
  const source = WHISPER_SOURCES[size];
  return {
    name: whisperModelName(size),
    engine: 'whisper',
    repo: source.repo,
    revision: 'main',
    files: catalogFiles([...WHISPER_CONFIG_FILES, ...onnxFiles(source.quantized)]),
    approxMegabytes: source.approxMegabytes,
    description: `Whisper ${size} speech recognition, 99 languages${source.quantized ? ' (int8)' : ''}`,
  };
});

/** Whisper through transformers.js; MODEL_SIZE picks the weights in MODELS_DIR. */
export const whisperDefinition: SttEngineDefinition = {
  name: 'whisper',
  languages: WHISPER_LANGUAGES,
  models: WHISPER_MODELS,
  punctuates: true,
  autoRank: 10,
  missing({ config, models }) {
    const name = whisperModelName(config.MODEL_SIZE);
    if (models.complete(name)) return undefined;
    return `The ${name} weights are not complete in ${models.dir(name)}. Run \`npm run models -- pull ${name}\` where there is internet, or set MODELS_DIR to a folder that has them.`;
  },
  async create({ config, models, log }) {
    const { WhisperEngine } = await import('../WhisperEngine.js');
    const name = whisperModelName(config.MODEL_SIZE);
    return WhisperEngine.create({ modelDir: models.dir(name), pullName: name, device: config.DEVICE, log });
  },
};
