import type { Redis } from 'ioredis';

/** What one consumer group of one stream has left to do. */
export interface StreamBacklog {
  /** Entries no consumer of the group has been given yet (capped at `countCap`). */
  lag: number;
  /** Entries given to a consumer and not acknowledged yet. */
  pending: number;
  /** Age of the oldest entry waiting for the group, by Redis' clock; 0 with no backlog. */
  oldestWaitingMs: number;
}

/**
 * Counts the entries after the group's last-delivered-id instead of trusting XINFO GROUPS `lag`:
 * Redis 7.0 keeps reporting entries that XTRIM removed before the group read them (and reports no
 * lag at all after an XDEL), so the figure an autoscaler reads must be counted. Pages of 1,000
 * inside the script keep its memory bounded; the count stops at `cap` (a caller that only asks
 * "more than N?" passes N + 1 and reads at most that many).
 */
const COUNT_BACKLOG_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, '', 0, 0} end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
local last, pending
for _, g in ipairs(groups) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  if info['name'] == ARGV[1] then
    last = info['last-delivered-id']
    pending = info['pending']
  end
end
-- No group yet: the workers create it at the stream's start, so every entry is waiting for it.
if not last then last, pending = '0-0', 0 end
local cap = tonumber(ARGV[2])
local lag, oldest, from = 0, '', '(' .. last
while lag < cap do
  local want = math.min(1000, cap - lag)
  local page = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', want)
  if #page == 0 then break end
  if oldest == '' then oldest = page[1][1] end
  lag = lag + #page
  if #page < want then break end
  from = '(' .. page[#page][1]
end
local now = redis.call('TIME')
return {lag, pending, oldest, tonumber(now[1]), tonumber(now[2])}
`;

/** Beyond this many waiting entries the exact figure no longer changes a scaling decision. */
export const DEFAULT_BACKLOG_COUNT_CAP = 100_000;

/**
 * The backlog of `group` on `stream`: zeros when the stream does not exist; every entry when the
 * group does not exist yet (workers create it reading from the start), so work queued while no
 * worker of that kind runs is still seen.
 */
export async function streamBacklog(redis: Redis, stream: string, group: string, cap = DEFAULT_BACKLOG_COUNT_CAP): Promise<StreamBacklog> {
  const [lag, pending, oldestId, nowSeconds, nowMicros] = (await redis.eval(COUNT_BACKLOG_SCRIPT, 1, stream, group, cap)) as [number, number, string, number, number];
  const nowMs = nowSeconds * 1_000 + Math.floor(nowMicros / 1_000);
  const oldestMs = oldestId ? Number(oldestId.split('-')[0]) : nowMs;
  return { lag: Math.min(lag, cap), pending, oldestWaitingMs: Math.max(0, nowMs - oldestMs) };
}

/** The wall-clock time (ms) Redis gave a stream entry id when it was added. */
export function entryIdTimeMs(entryId: string): number {
  return Number(entryId.split('-')[0]);
}
