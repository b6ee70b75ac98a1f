import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { recordToFields } from './schemas.js';
import { PermanentFailure, StreamConsumer, type Delivery, type StreamConsumerOptions } from './StreamConsumer.js';
import { TypedStream } from './TypedStream.js';
import { STREAMS } from './writers.js';

const quiet = { info() {}, warn() {}, error() {} };
// Entries come back from Redis as Buffers, as every reader in protocol/ expects.
const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
const jobSchema = z.object({ name: z.preprocess(text, z.string().regex(/^[a-z]+$/)), n: z.preprocess(text, z.coerce.number().int()) });
type Job = z.infer<typeof jobSchema>;
const JOBS = new TypedStream<Job>('test:consumer:jobs', jobSchema, (j) => recordToFields(j));
const GROUP = 'g';

async function until<T>(what: string, get: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('StreamConsumer (real Redis)', () => {
  let redis: Redis;
  const consumers: StreamConsumer<Job>[] = [];

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'), { db: 40 });
  });
  beforeEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
    await redis.flushdb();
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    redis.disconnect();
  });

  function consumer(name: string, handle: StreamConsumerOptions<Job>['handle'], overrides: Partial<StreamConsumerOptions<Job>> = {}): StreamConsumer<Job> {
    const c = new StreamConsumer<Job>({ redis, stream: JOBS, group: GROUP, consumer: name, handle, log: quiet, leaseMs: 600, blockMs: 200, what: 'job', ...overrides });
    consumers.push(c);
    return c;
  }
  const pendingCount = async () => ((await redis.xpending(JOBS.key, GROUP)) as [number])[0];
  const deadLetters = async () => (await redis.xrange(STREAMS.deadLetter.key, '-', '+')).map(([, f]) => STREAMS.deadLetter.parse(f)).flatMap((p) => (p.ok ? [p.value] : []));

  it('hands each entry, validated, to the handler once and acknowledges it with the extra commands', async () => {
    const seen: Delivery<Job>[] = [];
    const c = consumer('a', async (d) => void seen.push(d), { onAck: (multi, d) => void multi.set(`done:${d.value.name}`, '1') });
    await c.start();
    await JOBS.add(redis, { name: 'one', n: 1 });
    await JOBS.add(redis, { name: 'two', n: 2 });
    await until('both handled', () => seen.length === 2);
    expect(seen.map((d) => [d.value, d.deliveries, d.takenOver])).toEqual([[{ name: 'one', n: 1 }, 1, false], [{ name: 'two', n: 2 }, 1, false]]);
    await until('both acknowledged', async () => (await pendingCount()) === 0);
    expect(await redis.get('done:two')).toBe('1');
  });

  it('keeps an entry it is working on past the lease, and another consumer does not take it', async () => {
    let release!: () => void;
    const a = consumer('a', () => new Promise<void>((r) => (release = r)));
    const bSeen: Delivery<Job>[] = [];
    const b = consumer('b', async (d) => void bSeen.push(d));
    await a.start();
    await JOBS.add(redis, { name: 'long', n: 1 });
    await until('a took it', () => a.active === 1);
    await b.start();
    await new Promise((r) => setTimeout(r, 2_000)); // more than three leases
    expect(bSeen).toEqual([]);
    release();
    await until('acknowledged', async () => (await pendingCount()) === 0);
  });

  it('takes over an entry whose consumer stopped renewing, counting the delivery, and tells the old holder it lost it', async () => {
    let first: Delivery<Job> | undefined;
    const a = consumer('a', (d) => {
      first = d;
      return new Promise(() => {}); // hangs for good
    });
    await a.start();
    await JOBS.add(redis, { name: 'stuck', n: 1 });
    await until('a took it', () => first);
    // a's process stops renewing (as if frozen); closing it is the same from Redis's side.
    await a.close();
    expect(first!.held).toBe(false);
    const taken: Delivery<Job>[] = [];
    const b = consumer('b', async (d) => void taken.push(d));
    await b.start();
    await until('b took it over', () => taken.length === 1, 5_000);
    expect(taken[0]).toMatchObject({ value: { name: 'stuck' }, takenOver: true, deliveries: 2 });
    await until('acknowledged', async () => (await pendingCount()) === 0);
  });

  it('notices when another consumer has taken its entry and does not acknowledge it', async () => {
    let delivery: Delivery<Job> | undefined;
    let finish!: () => void;
    const a = consumer('a', (d) => {
      delivery = d;
      return new Promise<void>((r) => (finish = r));
    });
    await a.start();
    const id = await JOBS.add(redis, { name: 'raced', n: 1 });
    await until('a took it', () => delivery);
    await redis.xclaim(JOBS.key, GROUP, 'intruder', 0, id, 'JUSTID');
    await until('a saw it lost the entry', () => delivery!.held === false, 5_000);
    finish();
    await new Promise((r) => setTimeout(r, 300));
    const pending = (await redis.xpending(JOBS.key, GROUP, '-', '+', 10)) as [string, string][];
    expect(pending.map(([, owner]) => owner)).toEqual(['intruder']);
  });

  it('sets a malformed entry aside at once, saying what is wrong, and goes on', async () => {
    const seen: Job[] = [];
    const c = consumer('a', async (d) => void seen.push(d.value));
    await c.start();
    await redis.xadd(JOBS.key, '*', 'name', 'NOT VALID', 'n', '1');
    await JOBS.add(redis, { name: 'fine', n: 2 });
    await until('the good one', () => seen.length === 1);
    const dead = await until('a dead letter', async () => (await deadLetters())[0]);
    expect(dead.reason).toMatch(/^malformed job: name: /);
    expect(dead.stream).toBe(JOBS.key);
    await until('both acknowledged', async () => (await pendingCount()) === 0);
  });

  it('sets an entry aside at once on a permanent failure', async () => {
    const c = consumer('a', async () => {
      throw new PermanentFailure('nobody here serves Klingon');
    });
    await c.start();
    await JOBS.add(redis, { name: 'klingon', n: 1 });
    const dead = await until('a dead letter', async () => (await deadLetters())[0]);
    expect(dead.reason).toBe('nobody here serves Klingon');
    await until('acknowledged', async () => (await pendingCount()) === 0);
  });

  it('retries a failing entry after the lease and sets it aside after maxDeliveries, with the last reason', async () => {
    const attempts: number[] = [];
    const c = consumer('a', async (d) => {
      attempts.push(d.deliveries);
      throw new Error(`engine busy (try ${d.deliveries})`);
    }, { maxDeliveries: 3 });
    await c.start();
    await JOBS.add(redis, { name: 'flaky', n: 1 });
    const dead = await until('a dead letter', async () => (await deadLetters())[0], 15_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead.reason).toBe('failed 3 times; last: engine busy (try 3)');
  });

  it('sets aside an entry whose consumers keep dying on it (never finished, delivered too often)', async () => {
    const id = await JOBS.add(redis, { name: 'poison', n: 1 }).catch(async () => '');
    await redis.xgroup('CREATE', JOBS.key, GROUP, '0', 'MKSTREAM').catch(() => {});
    const realId = id || (await redis.xrange(JOBS.key, '-', '+'))[0]![0];
    // Three consumers each took it and vanished.
    await redis.xreadgroup('GROUP', GROUP, 'dead-1', 'COUNT', 1, 'STREAMS', JOBS.key, '>');
    for (const name of ['dead-2', 'dead-3']) await redis.xclaim(JOBS.key, GROUP, name, 0, realId);
    const seen: Job[] = [];
    const c = consumer('a', async (d) => void seen.push(d.value), { maxDeliveries: 3 });
    await c.start();
    const dead = await until('a dead letter', async () => (await deadLetters())[0], 5_000);
    expect(dead.reason).toBe('job was delivered 4 times without finishing');
    expect(seen).toEqual([]);
  });

  it("leaves an entry pending when the handler releases it, and after close does not acknowledge work in flight", async () => {
    const c = consumer('a', async () => 'release' as const);
    await c.start();
    await JOBS.add(redis, { name: 'given', n: 1 });
    await until('pending, unacknowledged', async () => (await pendingCount()) === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await pendingCount()).toBe(1);
    await c.close();

    let finish!: () => void;
    const d = consumer('d', () => new Promise<void>((r) => (finish = r)), { leaseMs: 60_000 });
    await d.start();
    await JOBS.add(redis, { name: 'inflight', n: 2 });
    await until('d took it', () => d.active === 1);
    await d.close();
    await d.close();
    finish();
    await new Promise((r) => setTimeout(r, 200));
    expect(await pendingCount()).toBe(2);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    expect(() => consumer('x', async () => {}, { concurrency: 0 })).toThrow(/concurrency must be a positive integer/);
  });
});
