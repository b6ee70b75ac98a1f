import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);

/** Settings shared by the stt and mt worker processes; names match infra/env.example. */
export const workerConfigSchema = z.object({
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** 0 picks a free port (tests); unset means no health server. */
  HEALTH_PORT: port.optional(),
  HEALTH_HOST: z.string().default('127.0.0.1'),
  STT_ENGINE: z.enum(['pocketsphinx']).default('pocketsphinx'),
  MT_ENGINE: z.enum(['apertium']).default('apertium'),
  APERTIUM_URL: z.url().default('http://127.0.0.1:2737'),
  /** Utterances one stt worker decodes at once. */
  STT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** An utterance whose worker has not renewed its claim for this long is taken over by another. */
  STT_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(5_000),
  INTERIM_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(10).default(0.5),
  MAX_QUEUE_DEPTH: z.coerce.number().int().min(1).default(100),
  WORKER_NAME: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = workerConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid worker configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
