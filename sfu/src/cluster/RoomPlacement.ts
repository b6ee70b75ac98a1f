import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { SignalingError } from '../errors.js';

/** Where a room's media lives: on this node, or on another live node (its NODE_URL). */
export type Placement = { here: true; takenOverFrom?: string } | { here: false; nodeId: string; url: string };

export interface RoomPlacementOptions {
  redis: Redis;
  nodeId: string;
  /** How clients reach this node; undefined: they cannot be sent here from another node. */
  nodeUrl: string | undefined;
  /** A node that has not renewed its presence for this long is taken for dead, and its rooms move. */
  nodeTtlMs: number;
  /** The rooms this node hosts now (renewed with each heartbeat). */
  localRooms: () => string[];
  /**
   * A room this node hosts was taken by another live node (it could not renew its record during a
   * Redis outage, and a join elsewhere claimed the room): its clients should move there.
   */
  onLost: (room: string, url: string) => void;
  log: Logger;
}

/** Room records outlive the heartbeat that renews them by this much (a node renews every nodeTtl/3). */
const ROOM_TTL_MS = 60_000;
const NODE_PREFIX = REDIS_KEYS.sfuNode('');

// The room's record names its node; a record whose node stopped renewing its presence is free.
const PLACE_SCRIPT = `
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then
  local url = redis.call('GET', ARGV[3] .. owner)
  if url then return {'there', owner, url} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if owner and owner ~= ARGV[1] then return {'here', owner} end
return {'here'}`;

// This node is alive; its rooms are still its own (re-recorded if Redis lost them), unless another
// live node holds one now: those are returned with that node's address.
const HEARTBEAT_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
local lost = {}
for i = 2, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  local url = false
  if owner and owner ~= ARGV[1] then url = redis.call('GET', ARGV[5] .. owner) end
  if url then
    table.insert(lost, KEYS[i])
    table.insert(lost, url)
  else
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[4])
  end
end
return lost`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Each room's media lives on one sfu node, chosen when the room starts and recorded in Redis. A
 * node renews its presence every third of NODE_TTL; when it dies its presence lapses and the next
 * join of one of its rooms, on any node, takes the room over. A join that reaches a node not
 * hosting the room is told where it lives.
 */
export class RoomPlacement {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;
  private closed = false;
  private readonly onReady = () => void this.beat();

  constructor(private readonly options: RoomPlacementOptions) {}

  /** Records this node as alive (once, awaited) and keeps doing so. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(200, Math.floor(this.options.nodeTtlMs / 3)));
    this.timer.unref();
    // Right after an outage, before another node can think this one dead and take its rooms.
    this.options.redis.on('ready', this.onReady);
  }

  /** Claims the room for this node unless a live node hosts it; throws a SignalingError when Redis cannot answer. */
  async place(room: string): Promise<Placement> {
    const { redis, nodeId, nodeTtlMs } = this.options;
    if (redis.status !== 'ready') throw unreachable();
    let reply: string[];
    try {
      reply = (await redis.eval(PLACE_SCRIPT, 1, REDIS_KEYS.roomNode(room), nodeId, Math.max(ROOM_TTL_MS, nodeTtlMs * 2), NODE_PREFIX)) as string[];
    } catch {
      throw unreachable();
    }
    if (reply[0] === 'here') return reply[1] ? { here: true, takenOverFrom: reply[1] } : { here: true };
    const [, owner = '', url = ''] = reply;
    if (!url) {
      throw new SignalingError(
        `This room is open on another Parley node (${owner}) that has no NODE_URL, so you cannot be sent there. Whoever runs this server must give every sfu node a NODE_URL; until then, try again when the room is empty.`,
        503,
      );
    }
    return { here: false, nodeId: owner, url };
  }

  /** The room closed here: its record goes, unless another node holds it by now. */
  async release(room: string): Promise<void> {
    await this.options.redis.eval(RELEASE_SCRIPT, 1, REDIS_KEYS.roomNode(room), this.options.nodeId).catch((err: unknown) => {
      // The record lapses on its own (ROOM_TTL_MS) once this node stops renewing it.
      this.options.log.debug({ err, room }, 'could not release a room record');
    });
  }

  private beat(): Promise<void> {
    this.beating ??= this.heartbeat().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async heartbeat(): Promise<void> {
    const { redis, nodeId, nodeUrl, nodeTtlMs, localRooms, log } = this.options;
    if (this.closed) return;
    const rooms = localRooms();
    let lost: string[];
    try {
      lost = (await redis.eval(
        HEARTBEAT_SCRIPT,
        1 + rooms.length,
        REDIS_KEYS.sfuNode(nodeId),
        ...rooms.map((room) => REDIS_KEYS.roomNode(room)),
        nodeId,
        nodeUrl ?? '',
        nodeTtlMs,
        Math.max(ROOM_TTL_MS, nodeTtlMs * 2),
        NODE_PREFIX,
      )) as string[];
    } catch (error) {
      if (!this.failing && !this.closed) log.warn({ err: (error as Error).message, nodeId }, 'could not renew this node and its rooms in Redis; retrying');
      this.failing = true;
      return;
    }
    if (this.failing) log.info({ nodeId, rooms: rooms.length }, 'this node and its rooms are recorded in Redis again');
    this.failing = false;
    const prefix = REDIS_KEYS.roomNode('');
    for (let i = 0; i + 1 < lost.length; i += 2) {
      const room = lost[i]!.slice(prefix.length);
      log.warn({ room, nodeId, movedTo: lost[i + 1] }, 'another node took this room over; its clients move there');
      this.options.onLost(room, lost[i + 1]!);
    }
  }

  /** Idempotent: stops renewing, releases this node's rooms and presence so they are free at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.options.redis.off('ready', this.onReady);
    await this.beating;
    const { redis, nodeId } = this.options;
    if (redis.status !== 'ready') return;
    await Promise.all(this.options.localRooms().map((room) => this.release(room)));
    await redis.del(REDIS_KEYS.sfuNode(nodeId)).catch(() => undefined);
  }
}

function unreachable(): SignalingError {
  return new SignalingError('Parley cannot look up where this room lives right now (its Redis is unreachable); try again in a few seconds.', 503);
}
