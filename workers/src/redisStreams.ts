import type { Redis } from 'ioredis';

/** Creates the consumer group (and the stream) unless it exists. */
export async function ensureConsumerGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
  }
}

export type StreamEntry = [id: string, fields: (string | Buffer)[]];

/** XREADGROUP of one stream, as [id, fields] pairs, binary-safe. */
export async function readGroup(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  count: number,
  blockMs: number,
): Promise<StreamEntry[]> {
  const reply = (await redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>')) as
    | [Buffer, [Buffer, Buffer[]][]][]
    | null;
  if (!reply) return [];
  return reply.flatMap(([, entries]) => entries.map(([id, fields]): StreamEntry => [id.toString(), fields]));
}

/** XAUTOCLAIM entries idle longer than minIdleMs; returns them with their fields. */
export async function autoClaim(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  minIdleMs: number,
  count: number,
): Promise<StreamEntry[]> {
  const reply = (await redis.callBuffer('XAUTOCLAIM', stream, group, consumer, minIdleMs, '0-0', 'COUNT', count)) as [Buffer, [Buffer, Buffer[] | null][]];
  return reply[1].filter((e): e is [Buffer, Buffer[]] => e[1] !== null).map(([id, fields]): StreamEntry => [id.toString(), fields]);
}
