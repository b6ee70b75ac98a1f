import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { SignalingError } from '../errors.js';
import { RoomPlacement, type RoomPlacementOptions } from './RoomPlacement.js';

const log = pino({ level: 'silent' });

describe('RoomPlacement (real Redis)', () => {
  let redis: Redis;
  const placements: RoomPlacement[] = [];
  const lost: [node: string, room: string, url: string][] = [];

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 46 });
    await redis.flushdb();
  });

  afterEach(async () => {
    await Promise.all(placements.splice(0).map((p) => p.close()));
  });

  afterAll(() => redis.disconnect());

  async function node(nodeId: string, rooms: string[], options: Partial<RoomPlacementOptions> = {}): Promise<RoomPlacement> {
    const placement = new RoomPlacement({
      redis,
      nodeId,
      nodeUrl: `http://${nodeId}.test`,
      nodeTtlMs: 1_000,
      localRooms: () => rooms,
      onLost: (room, url) => lost.push([nodeId, room, url]),
      log,
      ...options,
    });
    await placement.start();
    placements.push(placement);
    return placement;
  }

  it('the first node to place a room hosts it; another live node is told where it lives', async () => {
    const room = `placed-${Date.now()}`;
    const a = await node('a1', [room]);
    const b = await node('b1', []);
    expect(await a.place(room)).toEqual({ here: true });
    expect(await b.place(room)).toEqual({ here: false, nodeId: 'a1', url: 'http://a1.test' });
    expect(await a.place(room)).toEqual({ here: true });
    expect(await redis.get(REDIS_KEYS.roomNode(room))).toBe('a1');
  });

  it('a node that stops renewing its presence loses its rooms to the next node that places them', async () => {
    const room = `lapsed-${Date.now()}`;
    // A node that died: recorded once, never renewed.
    await redis.set(REDIS_KEYS.sfuNode('dead1'), 'http://dead1.test', 'PX', 300);
    await redis.set(REDIS_KEYS.roomNode(room), 'dead1', 'PX', 60_000);
    const b = await node('b2', []);
    expect(await b.place(room)).toEqual({ here: false, nodeId: 'dead1', url: 'http://dead1.test' });
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.place(room)).toEqual({ here: true, takenOverFrom: 'dead1' });
    expect(await redis.get(REDIS_KEYS.roomNode(room))).toBe('b2');
  });

  it('a node whose room another live node took over tells its clients where to go', async () => {
    const room = `taken-${Date.now()}`;
    await node('a3', [room]);
    // Another live node holds the record now (it placed the room while a3 could not renew it).
    await node('b3', []);
    await redis.set(REDIS_KEYS.roomNode(room), 'b3', 'PX', 60_000);
    const deadline = Date.now() + 3_000;
    while (!lost.some(([n, r]) => n === 'a3' && r === room) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lost).toContainEqual(['a3', room, 'http://b3.test']);
  });

  it('a room released by its node, or a node that stops on purpose, frees the room at once', async () => {
    const room = `released-${Date.now()}`;
    const a = await node('a4', [room]);
    const b = await node('b4', []);
    expect(await a.place(room)).toEqual({ here: true });
    await a.release(room);
    expect(await b.place(room)).toEqual({ here: true });
    const other = `closed-${Date.now()}`;
    const c = await node('c4', [other]);
    expect(await c.place(other)).toEqual({ here: true });
    await c.close();
    expect(await redis.exists(REDIS_KEYS.sfuNode('c4'))).toBe(0);
    expect(await b.place(other)).toEqual({ here: true });
  });

  it('refuses, with a sentence, to send clients to a node that has no NODE_URL', async () => {
    const room = `nourl-${Date.now()}`;
    const a = await node('a5', [room], { nodeUrl: undefined });
    const b = await node('b5', []);
    expect(await a.place(room)).toEqual({ here: true });
    const refusal = await b.place(room).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(SignalingError);
    expect((refusal as Error).message).toMatch(/must give every sfu node a NODE_URL/);
  });

  it('says Redis is unreachable (503) rather than guessing, when it cannot ask', async () => {
    const offline = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    offline.on('error', () => undefined);
    const p = new RoomPlacement({ redis: offline, nodeId: 'x', nodeUrl: 'http://x.test', nodeTtlMs: 1_000, localRooms: () => [], onLost: () => undefined, log });
    const refusal = await p.place('any-room').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(SignalingError);
    expect((refusal as SignalingError).message).toMatch(/Redis is unreachable/);
    expect((refusal as SignalingError).status).toBe(503);
    await p.close();
    offline.disconnect();
  });
});
