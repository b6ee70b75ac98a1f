/**
 * Models `npm run models -- pull <name>` can fetch, each into MODELS_DIR/<name>.
 *
 * The exports are the transformers.js ONNX conversions on the Hugging Face Hub (onnx-community/*,
 * Xenova/*): `onnx/<part>.onnx` is fp32, `onnx/<part>_quantized.onnx` int8. Small models take fp32;
 * medium, large-v3 and NLLB take int8, whose files stay under protobuf's 2 GB limit (the fp32 ones
 * need external-data files) and which run 2-3× faster on a CPU.
 *
 * Checksums. A file may carry a sha256 pinned here; none is pinned yet, because these files cannot
 * be fetched where this catalogue is maintained, and a value copied from elsewhere could not be
 * checked. Where no sha256 is pinned, the downloader verifies against the one the Hub announces:
 * for Git LFS files (every .onnx) the `x-linked-etag` header of the `resolve` URL is the sha256 of
 * the content, and for small git-stored files (the JSON) `etag` is the git blob id, i.e.
 * sha1("blob <size>\0" + content). That catches truncated, corrupted and mixed-up downloads, and
 * a resumed `.part` that no longer matches the remote file, though not a Hub that serves the wrong
 * file with the right header. The commit the files came from (`x-repo-commit`) is recorded in the
 * model folder's manifest, so the run can be repeated at that revision.
 */
import type { LanguageCode } from '@parley/protocol';
import type { WhisperSize } from '../config.js';

export type ModelKind = 'whisper' | 'marian' | 'nllb';

export interface CatalogFile {
  /** Path inside the repository and inside the model folder. */
  path: string;
  /** Lower-case hex sha256 of the content, when known in advance. */
  sha256?: string;
}

export interface CatalogEntry {
  /** Also the folder name under MODELS_DIR. */
  name: string;
  kind: ModelKind;
  /** Hugging Face repository, "owner/name". */
  repo: string;
  /** Branch, tag or commit to fetch. */
  revision: string;
  files: CatalogFile[];
  /** Rough download size, shown before pulling. */
  approxMegabytes: number;
  description: string;
  /** Marian models translate one direction. */
  pair?: { from: LanguageCode; to: LanguageCode };
  whisperSize?: WhisperSize;
}

const WHISPER_CONFIG_FILES = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
const SEQ2SEQ_CONFIG_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

function onnxFiles(quantized: boolean): string[] {
  const suffix = quantized ? '_quantized' : '';
  return [`onnx/encoder_model${suffix}.onnx`, `onnx/decoder_model_merged${suffix}.onnx`];
}

function files(paths: string[]): CatalogFile[] {
  return paths.map((path) => ({ path }));
}

const WHISPER_SOURCES: Record<WhisperSize, { repo: string; quantized: boolean; approxMegabytes: number }> = {
  tiny: { repo: 'onnx-community/whisper-tiny', quantized: false, approxMegabytes: 155 },
  base: { repo: 'onnx-community/whisper-base', quantized: false, approxMegabytes: 300 },
  small: { repo: 'onnx-community/whisper-small', quantized: false, approxMegabytes: 970 },
  medium: { repo: 'Xenova/whisper-medium', quantized: true, approxMegabytes: 950 },
  'large-v3': { repo: 'onnx-community/whisper-large-v3', quantized: true, approxMegabytes: 1_700 },
};

/** Opus-MT directions converted for transformers.js; others go through English (see marianRoute). */
const MARIAN_PAIRS: [LanguageCode, LanguageCode][] = [
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

export const NLLB_MODEL_NAME = 'nllb-200-distilled-600M';

export function whisperModelName(size: WhisperSize): string {
  return `whisper-${size}`;
}

export function marianModelName(from: LanguageCode, to: LanguageCode): string {
  return `opus-mt-${from}-${to}`;
}

export const CATALOG: readonly CatalogEntry[] = [
  ...Object.entries(WHISPER_SOURCES).map(([size, source]) => ({
    name: whisperModelName(size as WhisperSize),
    kind: 'whisper' as const,
    repo: source.repo,
    revision: 'main',
    files: files([...WHISPER_CONFIG_FILES, ...onnxFiles(source.quantized)]),
    approxMegabytes: source.approxMegabytes,
    description: `Whisper ${size} speech recognition, 99 languages${source.quantized ? ' (int8)' : ''}`,
    whisperSize: size as WhisperSize,
  })),
  ...MARIAN_PAIRS.map(([from, to]) => ({
    name: marianModelName(from, to),
    kind: 'marian' as const,
    repo: `Xenova/opus-mt-${from}-${to}`,
    revision: 'main',
    files: files([...SEQ2SEQ_CONFIG_FILES, ...onnxFiles(false)]),
    approxMegabytes: 300,
    description: `Opus-MT translation ${from} → ${to}`,
    pair: { from, to },
  })),
  {
    name: NLLB_MODEL_NAME,
    kind: 'nllb',
    repo: 'Xenova/nllb-200-distilled-600M',
    revision: 'main',
    files: files([...SEQ2SEQ_CONFIG_FILES, ...onnxFiles(true)]),
    approxMegabytes: 900,
    description: 'NLLB-200 translation between any two of 200 languages (int8)',
  },
];

export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.name === name);
}
