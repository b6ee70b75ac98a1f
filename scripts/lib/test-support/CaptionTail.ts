import type { Redis } from 'ioredis';
import type { Caption } from '@parley/protocol';
import { STREAMS } from '@parley/protocol/streams';

/** Collects every caption written to the captions stream (as an sfu node reads them), for tests of the workers. */
export class CaptionTail {
  readonly captions: Caption[] = [];
  private readonly reader: Redis;
  private readonly loop: Promise<void>;
  private closed = false;

  constructor(redis: Redis) {
    this.reader = redis.duplicate();
    this.reader.on('error', () => undefined);
    this.loop = this.read();
  }

  private async read(): Promise<void> {
    let lastId = '0-0';
    while (!this.closed) {
      const reply = (await this.reader.xread('COUNT', 500, 'BLOCK', 500, 'STREAMS', STREAMS.captions.key, lastId).catch(() => null)) as [string, [string, string[]][]][] | null;
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        lastId = id;
        const parsed = STREAMS.captions.parse(fields);
        if (parsed.ok) this.captions.push(parsed.value);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader.disconnect();
    await this.loop;
  }
}
