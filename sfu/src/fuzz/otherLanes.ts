import { Actor, type LaneContext } from './Actor.js';
import { expect, outcomeAllowed, type StepResult } from './expectations.js';
import { FuzzConnection } from './FuzzConnection.js';
import { hostileJoin, hostileMute, randomValue, unknownEvent, validJoin } from './hostilePayloads.js';
import { RawSocket } from './rawFrames.js';
import type { SeededRandom } from './SeededRandom.js';

const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Floods one connection past the rate limiter with requests that are each harmless (refused
 * with an ack): the server must hang up on it, saying why.
 */
export async function runFloodLane(rng: SeededRandom, ctx: LaneContext): Promise<void> {
  const conn = new FuzzConnection(ctx.url);
  try {
    await conn.open(10_000);
    const count = rng.int(60, 200);
    for (let i = 0; i < count; i++) {
      const [event, payload] = rng.pick<() => [string | number, unknown]>([
        () => ['mute', hostileMute(rng)],
        () => ['restartIce', { transportId: 'flood' }],
        () => [unknownEvent(rng), randomValue(rng)],
        () => ['join', hostileJoin(rng, 'flood')],
        () => ['produce', { transportId: 'flood', kind: 'audio', rtpParameters: ctx.media.rtpParameters }],
      ])();
      void conn.send(event, [payload], true, CLOSE_TIMEOUT_MS);
    }
    ctx.countExtraMessages(count - 1);
    const startMs = performance.now();
    const outcome = await conn.waitForClose(CLOSE_TIMEOUT_MS);
    const expectation = expect.fatal('rateLimit');
    const result: StepResult = { outcome, detail: conn.closeDetail(), elapsedMs: performance.now() - startMs };
    const holds = outcomeAllowed(expectation, 'flood', result);
    ctx.record({ label: 'flood', event: 'flood', hostile: true, expectation, result, verdict: holds ? 'expected' : 'mismatch', complaint: holds ? undefined : 'expected fatal (rateLimit)' });
  } finally {
    conn.close();
  }
}

/**
 * A connection that asks to join (once, twice at once, or with a request for transports) and
 * vanishes in the same breath: the request and the goodbye reach the server together, so the
 * goodbye is handled while the join is still under way. The server must not keep a participant
 * nobody can reach: a second connection joins the same room and must soon find itself alone.
 */
export async function runAbandonLane(rng: SeededRandom, ctx: LaneContext, laneIndex: number): Promise<void> {
  const room = `fuzz-${ctx.runId}-${laneIndex}`;
  const checker = new Actor(ctx, 'checker');
  const variant = rng.pick(['join', 'join-twice', 'join-and-transports'] as const);
  const goodbye = rng.pick(['disconnect-packet', 'tcp-drop'] as const);
  try {
    const leaver = await RawSocket.open(ctx.url, true, 10_000);
    const join = JSON.stringify(validJoin(room));
    leaver.send(`421["join",${join}]`);
    if (variant === 'join-twice') leaver.send(`422["join",${join}]`);
    if (variant === 'join-and-transports') leaver.send(`423["createTransports",${JSON.stringify({ rtpCapabilities: ctx.media.rtpCapabilities, send: true })}]`);
    if (goodbye === 'disconnect-packet') leaver.send('41');
    leaver.terminate();

    await checker.conn.open(10_000);
    const joined = await checker.request('join', 'join', [validJoin(room)], { hostile: false });
    const me = checker.model.peerId;
    if (joined?.outcome !== 'ack-ok' || !me) return;
    let list = (joined.reply?.participants ?? []) as { id?: unknown }[];
    const alone = (): boolean => {
      list = checker.conn.participants ?? list;
      return list.length === 1 && list[0]?.id === me;
    };
    const startMs = performance.now();
    await checker.conn.waitFor(alone, 8_000);
    const holds = alone();
    const result: StepResult = { outcome: holds ? 'ack-ok' : 'silent', detail: `participants: ${list.map((p) => String(p.id)).join(', ')}`, elapsedMs: performance.now() - startMs };
    checker.check(`abandoned:${variant}:${goodbye}`, true, expect.ok(), result, holds, `a participant whose connection closed while joining is still in the room (${list.length} listed)`);
  } catch (error) {
    ctx.record({
      label: 'lane',
      event: 'lane',
      hostile: false,
      expectation: expect.ok(),
      result: { outcome: 'closed', detail: `abandon lane ${laneIndex} failed: ${(error as Error).message}`, elapsedMs: 0 },
      verdict: 'mismatch',
      complaint: 'the lane itself failed',
    });
  } finally {
    checker.close();
  }
}
