import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

import type { EngineDefinitionBase, EngineRegistry } from './engines/EngineRegistry.js';
import { mtEngines } from './mt/mtEngines.js';
import { WHISPER_SIZES } from './stt/engines/whisper.js';
import { sttEngines } from './stt/sttEngines.js';

export type Device = 'cpu' | 'cuda';

/** `<repo>/models-cache` (git-ignored): beside the checkout, so one `rm -r` frees the space. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../models-cache', import.meta.url));

const port = z.coerce.number().int().min(0).max(65_535);

/** The engines settings may name; tests pass registries with an engine of their own added. */
export interface EngineRegistries {
  stt: EngineRegistry<EngineDefinitionBase>;
  mt: EngineRegistry<EngineDefinitionBase>;
}

/** Settings shared by the stt and mt worker processes; names match infra/env.example. */
export const workerConfigSchema = (engines: EngineRegistries = { stt: sttEngines(), mt: mtEngines() }) => z.object({
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** 0 picks a free port (tests); unset means no health server. */
  HEALTH_PORT: port.optional(),
  HEALTH_HOST: z.string().default('127.0.0.1'),
  /** A speech recognition engine by name, or `auto`: the best one that can run here (Whisper when its weights are in MODELS_DIR, else pocketsphinx). */
  STT_ENGINE: z.enum(engines.stt.choices).default('auto'),
  /** A translation engine by name, or `auto`, per language pair: Marian, else NLLB, else Apertium, by which weights are in MODELS_DIR. */
  MT_ENGINE: z.enum(engines.mt.choices).default('auto'),
  /** Where `npm run models -- pull` puts model weights and the neural engines look for them. */
  MODELS_DIR: z
    .string()
    .default(DEFAULT_MODELS_DIR)
    .transform((dir) => resolve(dir.replace(/^~(?=$|\/)/, homedir()))),
  /** Whisper size; the stt worker uses MODELS_DIR/whisper-<MODEL_SIZE>. */
  MODEL_SIZE: z.enum(WHISPER_SIZES).default('base'),
  /** `cuda` runs the neural engines on onnxruntime's CUDA provider when it is installed, else on the CPU. */
  DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  APERTIUM_URL: z.url().default('http://127.0.0.1:2737'),
  /** Where `models pull` downloads from: the Hugging Face Hub or a mirror of it. */
  HF_ENDPOINT: z.url().default('https://huggingface.co'),
  /** Utterances one stt worker decodes at once. */
  STT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Jobs one mt worker translates at once (of different utterances; one utterance's go in order). */
  MT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** An utterance whose worker has not renewed its claim for this long is taken over by another. */
  STT_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(5_000),
  INTERIM_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(10).default(0.5),
  MAX_QUEUE_DEPTH: z.coerce.number().int().min(1).default(100),
  WORKER_NAME: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type WorkerConfig = z.infer<ReturnType<typeof workerConfigSchema>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env, engines?: EngineRegistries): WorkerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = workerConfigSchema(engines).safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid worker configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
