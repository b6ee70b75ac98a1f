import type { Redis } from 'ioredis';
import { captionSchema, type Caption } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';

/** Sends finished captions to every sfu node; validated here so a bad one never leaves the worker. */
export class CaptionPublisher {
  published = 0;

  constructor(private readonly redis: Redis) {}

  async publish(caption: Caption): Promise<void> {
    const valid = captionSchema.parse(caption);
    await this.redis.publish(REDIS_KEYS.captions, JSON.stringify(valid));
    this.published += 1;
  }
}
