import type { Redis } from 'ioredis';
import { captionSchema, type Caption } from '@parley/protocol';
import { STREAMS } from '@parley/protocol/streams';
import type { WorkerMetrics } from './metrics/WorkerMetrics.js';

/**
 * Sends finished captions to every sfu node through the captions stream (each node reads it from
 * where it left off); validated here so a bad one never leaves the worker.
 */
export class CaptionPublisher {
  published = 0;

  constructor(
    private readonly redis: Redis,
    private readonly metrics?: WorkerMetrics,
  ) {}

  async publish(caption: Caption): Promise<void> {
    const valid = captionSchema.parse({ ...caption, publishedAtMs: Date.now() });
    await STREAMS.captions.add(this.redis, valid);
    this.published += 1;
    this.metrics?.captionPublished(valid.kind, valid.audioEndAtMs);
  }
}
