/** Offline loading of transformers.js models from a folder, on the CPU or CUDA. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { env } from '@huggingface/transformers';
import type { Device } from '../config.js';

/** The slice of a pino logger the engines use. */
export interface EngineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const silentLog: EngineLog = { info() {}, warn() {} };

/** A model folder without the files an engine needs; the message says how to get them. */
export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
  constructor(
    message: string,
    readonly modelDir: string,
  ) {
    super(message);
  }
}

/** Weight precisions the catalogue ships: `fp32` is `<part>.onnx`, `q8` is `<part>_quantized.onnx`. */
export type OnnxDtype = 'fp32' | 'q8';

/**
 * Never fetch at run time: weights arrive only through `npm run models -- pull`. Models are loaded
 * by absolute path, so `localModelPath` only matters to code that passes a bare name.
 */
export function useLocalModelsOnly(modelsDir?: string): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  if (modelsDir) env.localModelPath = modelsDir;
}

/** The precision whose encoder is in `dir`, preferring fp32; undefined when there is none. */
export function detectDtype(dir: string): OnnxDtype | undefined {
  if (existsSync(join(dir, 'onnx', 'encoder_model.onnx'))) return 'fp32';
  if (existsSync(join(dir, 'onnx', 'encoder_model_quantized.onnx'))) return 'q8';
  return undefined;
}

/** Fails with a sentence naming the pull command when `dir` holds no usable model. */
export function requireModelDir(dir: string, what: string, pullName: string | undefined): OnnxDtype {
  const dtype = detectDtype(dir);
  if (dtype && existsSync(join(dir, 'config.json'))) return dtype;
  const how = pullName ? `Run \`npm run models -- pull ${pullName}\` where there is internet, or set MODELS_DIR to a folder that has it.` : 'Check the path.';
  throw new ModelNotFoundError(`The ${what} weights are not in ${dir}. ${how}`, dir);
}

/** onnxruntime-node ships CUDA support as a separate library, installed only on request. */
export function cudaProviderInstalled(): boolean {
  try {
    const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(ortDir, 'bin', 'napi-v6', process.platform, process.arch, library));
  } catch {
    return false;
  }
}

/**
 * Loads on CUDA when asked and possible, else on the CPU with a warning saying why: a GPU box
 * without the CUDA provider should still caption, slowly, rather than not start.
 */
export async function loadOnDevice<T>(device: Device, log: EngineLog, what: string, load: (device: Device) => Promise<T>): Promise<{ value: T; device: Device }> {
  if (device === 'cuda') {
    if (!cudaProviderInstalled()) {
      log.warn({ engine: what }, 'DEVICE=cuda but the onnxruntime CUDA provider is not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12); running on the CPU');
    } else {
      try {
        return { value: await load('cuda'), device: 'cuda' };
      } catch (error) {
        log.warn({ engine: what, err: (error as Error).message }, 'DEVICE=cuda but the CUDA provider failed to start; running on the CPU');
      }
    }
  }
  return { value: await load('cpu'), device: 'cpu' };
}
