import { z } from 'zod';
import { ConfigError } from '../config.js';

/** Settings of the transcript writer process; names match infra/env.example. */
export const transcriptWriterConfigSchema = z.object({
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** Unset: SQLite at data/parley.db; `postgres://…` for Postgres; `sqlite:<file>` for another file. */
  DATABASE_URL: z.string().optional(),
  /** Kept transcripts older than this many days are deleted; 0 keeps them for ever. */
  TRANSCRIPT_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(365),
  /** Entries a stopped writer left unacknowledged this long are taken over. */
  TRANSCRIPT_CLAIM_IDLE_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** How long one read waits for new entries before the writer looks for entries to claim again. */
  TRANSCRIPT_BLOCK_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** The writer's name in the Redis consumer group (default: host and pid). */
  WORKER_NAME: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/).optional(),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  /** Loopback by default; 0.0.0.0 in a container whose probes and metrics scraper come from outside. */
  HEALTH_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type TranscriptWriterConfig = z.infer<typeof transcriptWriterConfigSchema>;

export function loadTranscriptWriterConfig(env: NodeJS.ProcessEnv = process.env): TranscriptWriterConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = transcriptWriterConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid transcript writer configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
