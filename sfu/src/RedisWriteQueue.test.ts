import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReconnectDelayMs } from '@parley/protocol/streams';
import { RedisServer } from '../../scripts/lib/test-support/RedisServer.js';
import { RedisAvailability } from './RedisAvailability.js';
import { RedisWriteQueue, type OutageBudget } from './RedisWriteQueue.js';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('RedisWriteQueue and RedisAvailability (a real redis-server, stopped and started again)', () => {
  const server = new RedisServer();
  let redis: Redis;

  beforeAll(async () => {
    await server.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 3, retryStrategy: redisReconnectDelayMs });
    redis.on('error', () => undefined);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server.destroy();
  });

  it('keeps writes while Redis is away, within the budget, and writes them in order once it is back; says when Redis went and came back', async () => {
    const budget: OutageBudget = { usedBytes: 0, maxBytes: 250 };
    const refused: Error[] = [];
    const queue = new RedisWriteQueue(redis, { budget, onRefused: (e) => refused.push(e), retryMs: 50 });
    const availability = new RedisAvailability(redis, 300);
    const events: string[] = [];
    availability.on('lost', () => events.push('lost'));
    availability.on('back', () => events.push('back'));
    const written: number[] = [];
    const write = (n: number) => queue.push({ bytes: 100, build: (m) => m.rpush('queue-test', String(n)), written: () => written.push(n) });

    write(1);
    await queue.flushed();
    expect(written).toEqual([1]);

    await server.stop();
    await until(() => availability.isLost, 'the outage announced');
    write(2);
    expect(queue.hasRoom()).toBe(true);
    write(3);
    // Two writes wait: 200 of 250 bytes. One more fits; then the budget is full.
    expect(queue.pending).toBe(2);
    write(4);
    expect(queue.hasRoom()).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(written).toEqual([1]);

    await server.start();
    await queue.flushed();
    expect(written).toEqual([1, 2, 3, 4]);
    expect(budget.usedBytes).toBe(0);
    expect(queue.hasRoom()).toBe(true);
    expect(await redis.lrange('queue-test', 0, -1)).toEqual(['1', '2', '3', '4']);
    expect(refused).toEqual([]);
    await until(() => events.length === 2, 'Redis announced back');
    expect(events).toEqual(['lost', 'back']);
    availability.close();
  });

  it('drops a write Redis refuses (not an outage), says so, and goes on with the next', async () => {
    const budget: OutageBudget = { usedBytes: 0, maxBytes: 1_000 };
    const refused: Error[] = [];
    const queue = new RedisWriteQueue(redis, { budget, onRefused: (e) => refused.push(e) });
    await redis.set('queue-test-string', 'not a list');
    const written: string[] = [];
    queue.push({ bytes: 10, build: (m) => m.rpush('queue-test-string', 'x'), written: () => written.push('wrong type') });
    queue.push({ bytes: 10, build: (m) => m.rpush('queue-test-ok', 'y'), written: () => written.push('ok') });
    await queue.flushed();
    expect(refused.map((e) => e.message)).toEqual([expect.stringMatching(/WRONGTYPE/)]);
    expect(written).toEqual(['wrong type', 'ok']);
    expect(await redis.lrange('queue-test-ok', 0, -1)).toEqual(['y']);
    expect(budget.usedBytes).toBe(0);
  });

  it('a short blip says nothing to rooms; closing drops what waits and frees its budget', async () => {
    const availability = new RedisAvailability(redis, 5_000);
    const events: string[] = [];
    availability.on('lost', () => events.push('lost'));
    availability.on('back', () => events.push('back'));
    await server.stop();
    // Once the client knows: a write pushed before that goes out at once, and ioredis sends it
    // again after reconnecting, so it is not one that waits.
    await until(() => redis.status !== 'ready', 'the client saw the connection close');
    const budget: OutageBudget = { usedBytes: 0, maxBytes: 1_000 };
    const queue = new RedisWriteQueue(redis, { budget, onRefused: () => undefined });
    queue.push({ bytes: 300, build: (m) => m.rpush('queue-test-closed', 'z') });
    expect(budget.usedBytes).toBe(300);
    queue.close();
    expect(budget.usedBytes).toBe(0);
    await server.start();
    await until(() => redis.status === 'ready', 'reconnected');
    await queue.flushed();
    expect(await redis.exists('queue-test-closed')).toBe(0);
    expect(events).toEqual([]);
    availability.close();
  });
});
