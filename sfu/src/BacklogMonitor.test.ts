import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS } from '@parley/protocol/streams';
import { BacklogMonitor } from './BacklogMonitor.js';

describe('BacklogMonitor (real Redis)', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 3 });
    await redis.flushdb();
    await redis.xgroup('CREATE', REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, '$', 'MKSTREAM');
    await redis.xgroup('CREATE', REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, '$', 'MKSTREAM');
  });
  afterAll(async () => {
    await redis.flushdb();
    redis.disconnect();
  });

  it('reports the backlog while it is over the limit and once more when it clears', async () => {
    const notices: number[] = [];
    const monitor = new BacklogMonitor(redis, { maxQueueDepth: 3, onBacklog: (b) => notices.push(b) });
    expect(await monitor.poll()).toBe(0);
    for (let i = 0; i < 5; i++) await redis.xadd(REDIS_KEYS.mtJobs, '*', 'n', String(i));
    await redis.xadd(REDIS_KEYS.sttAssign, '*', 'n', '0');
    expect(await monitor.poll()).toBe(6);
    expect(await monitor.poll()).toBe(6);
    await redis.xreadgroup('GROUP', CONSUMER_GROUPS.mt, 'c', 'COUNT', 10, 'STREAMS', REDIS_KEYS.mtJobs, '>');
    expect(await monitor.poll()).toBe(1);
    expect(await monitor.poll()).toBe(1);
    expect(notices).toEqual([6, 6, 0]);
    monitor.close();
  });
});
