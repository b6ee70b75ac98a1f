import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { entryIdTimeMs, streamBacklog } from './backlog.js';
import { fieldsToRecord } from './schemas.js';

// Keys of their own (not a database number): nothing else in the test run touches them.
const prefix = `test:backlog:${process.pid}:${Date.now()}`;
let counter = 0;
const freshStream = () => `${prefix}:${(counter += 1)}`;

/** The `lag` Redis itself reports for a group (XINFO GROUPS), which the count replaces. */
async function reportedLag(redis: Redis, stream: string, group: string): Promise<number | undefined> {
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  const info = groups.map((g) => fieldsToRecord(g.map(String))).find((g) => String(g.name) === group);
  return info?.lag === undefined || info.lag === null ? undefined : Number(info.lag);
}

describe('streamBacklog (real Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  async function fill(stream: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await redis.xadd(stream, '*', 'n', String(i)))!);
    return ids;
  }

  it('counts what the group has not been given, and what it holds unacknowledged', async () => {
    const stream = freshStream();
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await fill(stream, 20);
    expect(await streamBacklog(redis, stream, 'g')).toMatchObject({ lag: 20, pending: 0 });
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 15, 'STREAMS', stream, '>');
    expect(await streamBacklog(redis, stream, 'g')).toMatchObject({ lag: 5, pending: 15 });
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 100, 'STREAMS', stream, '>');
    expect(await streamBacklog(redis, stream, 'g')).toEqual({ lag: 0, pending: 20, oldestWaitingMs: 0 });
  });

  it('stays right where Redis reports a wrong lag: unread entries trimmed away (XTRIM / XADD MAXLEN)', async () => {
    const stream = freshStream();
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await fill(stream, 20);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 5, 'STREAMS', stream, '>');
    // Removes the 5 entries read and 5 that were never read.
    await redis.xtrim(stream, 'MAXLEN', 10);
    expect((await streamBacklog(redis, stream, 'g')).lag).toBe(10);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 100, 'STREAMS', stream, '>');
    expect((await streamBacklog(redis, stream, 'g')).lag).toBe(0);
    await fill(stream, 1);
    expect((await streamBacklog(redis, stream, 'g')).lag).toBe(1);
    // Redis 7.0 still counts the 5 trimmed, never-read entries in its own `lag`.
    const reported = await reportedLag(redis, stream, 'g');
    const version = ((await redis.info('server')).match(/redis_version:(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
    if (version[0] === 7 && version[1] === 0) expect(reported).toBe(6);
  });

  it('stays right after XDEL of an entry not yet read, where Redis reports no lag at all', async () => {
    const stream = freshStream();
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const ids = await fill(stream, 10);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 2, 'STREAMS', stream, '>');
    await redis.xdel(stream, ids[5]!);
    expect((await streamBacklog(redis, stream, 'g')).lag).toBe(7);
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 3, 'STREAMS', stream, '>');
    expect((await streamBacklog(redis, stream, 'g')).lag).toBe(4);
  });

  it('gives the age of the oldest waiting entry by Redis clock', async () => {
    const stream = freshStream();
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const [first] = await fill(stream, 2);
    await new Promise((r) => setTimeout(r, 120));
    const { oldestWaitingMs } = await streamBacklog(redis, stream, 'g');
    expect(oldestWaitingMs).toBeGreaterThanOrEqual(100);
    expect(oldestWaitingMs).toBeLessThan(60_000);
    expect(entryIdTimeMs(first!)).toBeGreaterThan(1_600_000_000_000);
  });

  it('reads zeros for a stream that does not exist, and every entry for a group not created yet', async () => {
    const stream = freshStream();
    expect(await streamBacklog(redis, stream, 'g')).toEqual({ lag: 0, pending: 0, oldestWaitingMs: 0 });
    await fill(stream, 3);
    expect(await streamBacklog(redis, stream, 'not-yet')).toMatchObject({ lag: 3, pending: 0 });
  });

  it('counts past one page and stops at the cap', async () => {
    const stream = freshStream();
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2_500; i++) pipeline.xadd(stream, '*', 'n', String(i));
    await pipeline.exec();
    expect((await streamBacklog(redis, stream, 'g')).lag).toBe(2_500);
    expect((await streamBacklog(redis, stream, 'g', 1_200)).lag).toBe(1_200);
  });

  it('fails loudly on a key that is not a stream', async () => {
    const key = freshStream();
    await redis.set(key, 'x');
    await expect(streamBacklog(redis, key, 'g')).rejects.toThrow(/WRONGTYPE/);
  });
});
