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
    // 5 waiting jobs count as 4 (one past the limit), plus the assignment.
    expect(await monitor.poll()).toBe(5);
    expect(await monitor.poll()).toBe(5);
    await redis.xreadgroup('GROUP', CONSUMER_GROUPS.mt, 'c', 'COUNT', 10, 'STREAMS', REDIS_KEYS.mtJobs, '>');
    expect(await monitor.poll()).toBe(1);
    expect(await monitor.poll()).toBe(1);
    expect(notices).toEqual([5, 5, 0]);
    monitor.close();
  });

  it('clears once the workers catch up after a trim, where Redis 7.0 would keep reporting a backlog', async () => {
    await redis.xtrim(REDIS_KEYS.mtJobs, 'MAXLEN', 0);
    await redis.xreadgroup('GROUP', CONSUMER_GROUPS.stt, 'c', 'COUNT', 10, 'STREAMS', REDIS_KEYS.sttAssign, '>');
    const notices: number[] = [];
    const monitor = new BacklogMonitor(redis, { maxQueueDepth: 3, onBacklog: (b) => notices.push(b) });
    for (let i = 0; i < 20; i++) await redis.xadd(REDIS_KEYS.mtJobs, '*', 'n', String(i));
    await redis.xreadgroup('GROUP', CONSUMER_GROUPS.mt, 'c', 'COUNT', 5, 'STREAMS', REDIS_KEYS.mtJobs, '>');
    // Removes the 5 entries read and 5 never read, as `XADD … MAXLEN ~` does during a deep backlog.
    await redis.xtrim(REDIS_KEYS.mtJobs, 'MAXLEN', 10);
    // Counted up to one past the limit: enough to know captions are late.
    expect(await monitor.poll()).toBe(4);
    await redis.xreadgroup('GROUP', CONSUMER_GROUPS.mt, 'c', 'COUNT', 100, 'STREAMS', REDIS_KEYS.mtJobs, '>');
    expect(await monitor.poll()).toBe(0);
    expect(notices).toEqual([4, 0]);
    monitor.close();
  });
});
