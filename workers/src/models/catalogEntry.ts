/**
 * What a pullable model is, and helpers engines use to declare theirs (the catalogue is the
 * union of every registered engine's models; see catalog.ts). Each goes into MODELS_DIR/<name>.
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

export interface CatalogFile {
  /** Path inside the repository and inside the model folder. */
  path: string;
  /** Lower-case hex sha256 of the content, when known in advance. */
  sha256?: string;
}

export interface CatalogEntry {
  /** Also the folder name under MODELS_DIR. */
  name: string;
  /** The engine that uses it. */
  engine: string;
  /** Hugging Face repository, "owner/name". */
  repo: string;
  /** Branch, tag or commit to fetch. */
  revision: string;
  files: CatalogFile[];
  /** Rough download size, shown before pulling. */
  approxMegabytes: number;
  description: string;
  /** Models that translate one direction. */
  pair?: { from: LanguageCode; to: LanguageCode };
}

export const WHISPER_CONFIG_FILES = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
export const SEQ2SEQ_CONFIG_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** transformers.js exports: `<part>.onnx` is fp32, `<part>_quantized.onnx` int8. */
export function onnxFiles(quantized: boolean): string[] {
  const suffix = quantized ? '_quantized' : '';
  return [`onnx/encoder_model${suffix}.onnx`, `onnx/decoder_model_merged${suffix}.onnx`];
}

export function catalogFiles(paths: string[]): CatalogFile[] {
  return paths.map((path) => ({ path }));
}
