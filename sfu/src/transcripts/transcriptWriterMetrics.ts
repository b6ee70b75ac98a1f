import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { processRegistry } from '../metrics/processRegistry.js';

/** What the transcript writer's /metrics reads from it when Prometheus scrapes. */
export interface TranscriptCounts {
  readonly stored: number;
  readonly deadLettered: number;
}

/**
 * The transcript writer's Prometheus metrics: the process's own (kind "transcripts"), entries
 * stored, and its dead letters under the name the workers use, so one alert covers every stream.
 */
export function transcriptWriterRegistry(writer: TranscriptCounts, redis: Pick<Redis, 'status'>): Registry {
  const registry = processRegistry('transcripts', redis);
  new Counter({
    name: 'parley_transcript_entries_stored_total',
    help: 'Transcript entries stored (or found stored) and acknowledged.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(writer.stored);
    },
  });
  new Counter({
    name: 'parley_dead_letters_total',
    help: 'Entries set aside on the dead-letter stream.',
    labelNames: ['stream'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ stream: REDIS_KEYS.transcript }, writer.deadLettered);
    },
  });
  return registry;
}
