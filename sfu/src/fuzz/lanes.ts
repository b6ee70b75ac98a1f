import { LIMITS } from '@parley/protocol';
import { checkOfferSdp, withCrlfLineEndings } from '../offerSdp.js';
import { FuzzConnection, type Expectation, type Outcome, type Step, type StepResult } from './FuzzConnection.js';
import {
  hostileIce,
  hostileJoin,
  hostileMute,
  hostileOfferWrapper,
  randomValue,
  unknownEvent,
  validIce,
  validJoin,
  wrongShape,
} from './hostilePayloads.js';
import { mutateSdp } from './sdpMutations.js';
import type { SeededRandom } from './SeededRandom.js';

/** Under the signaling rate limiter's burst (40), so that only flood lanes meet it. */
export const MAX_EVENTS_PER_LANE = 36;

export interface LaneContext {
  url: string;
  /** A real offer from libwebrtc, the seed of every SDP mutation. */
  realSdp: string;
  /** Room names of this run, so that a rerun against the same Redis never collides. */
  runId: string;
  record(step: Step, result: StepResult): void;
  /** Hostile frames put on the wire that are not steps of their own (a flood's messages). */
  countExtraMessages(count: number): void;
}

const REPLY_TIMEOUT_MS = 8_000;
/** werift answers with ICE gathering (up to 5 s) and may queue behind other lanes' offers. */
const OFFER_TIMEOUT_MS = 20_000;
/** The sfu gives a browser 10 s to answer a server offer. */
const RENEGOTIATE_TIMEOUT_MS = 15_000;

/** Whether socket.io's transport refuses the frame before any handler sees it. */
function overMessageLimit(event: string | number, args: unknown[]): boolean {
  return Buffer.byteLength(JSON.stringify([event, ...args])) > LIMITS.messageBytes;
}

function step(label: string, event: string | number, args: unknown[], withAck: boolean, expect: Expectation): Step {
  return { label, event, args, withAck, expect: overMessageLimit(event, args) ? 'sizeLimit' : expect };
}

/** What the server must do with an SDP offer from a joined peer that has not offered yet. */
function offerExpectation(sdp: string): Expectation {
  if (sdp.length === 0 || sdp.length > LIMITS.sdpChars) return 'refusal';
  try {
    checkOfferSdp(withCrlfLineEndings(sdp));
  } catch {
    return 'refusal';
  }
  return 'answered';
}

/** Something to say to a server offer that is not an answer. */
function garbageAnswer(rng: SeededRandom): unknown {
  return rng.pick<() => unknown>([
    () => wrongShape(rng),
    () => randomValue(rng),
    () => ({ ok: true }),
    () => ({ description: { type: 'offer', sdp: 'v=0\r\n' } }),
    () => ({ description: { type: 'answer', sdp: '' } }),
    () => ({ description: { type: 'answer', sdp: 'not an sdp at all' } }),
    () => ({ description: { type: 'answer', sdp: `v=0\r\n${rng.string(200)}` } }),
    () => ({ description: { type: 'answer', sdp: 'x'.repeat(LIMITS.sdpChars + 1) } }),
    () => ({ description: { type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\n' } }),
  ])();
}

/**
 * One connection's life: hostile messages before joining, a join, hostile messages in the room,
 * out-of-order calls, then an ending (an SDP that reaches werift, a server renegotiation answered
 * with garbage, a message that must end the connection, or a plain goodbye).
 */
export async function runLane(rng: SeededRandom, ctx: LaneContext, laneIndex: number): Promise<void> {
  const conn = new FuzzConnection(ctx.url);
  const room = `fuzz-${ctx.runId}-${laneIndex}`;
  let events = 0;
  let joined = false;
  let offered = false;
  let ready = false;
  /** werift refused an offer: whether the peer kept its connection depends on where, so offers stop here. */
  let uncertain = false;

  const send = async (s: Step): Promise<Outcome | undefined> => {
    if (!conn.isOpen || events >= MAX_EVENTS_PER_LANE) return undefined;
    events++;
    const timeout = s.event === 'offer' && s.expect !== 'refusal' ? OFFER_TIMEOUT_MS : REPLY_TIMEOUT_MS;
    const result = await conn.send(s, timeout);
    ctx.record(s, result);
    if (s.expect === 'ignored' && conn.isOpen && events < MAX_EVENTS_PER_LANE) {
      // An ignored message must leave the connection working: a refusal proves it still is.
      events++;
      const probe = step('probe-after-ignored', 'offer', [null], true, 'strictRefusal');
      ctx.record(probe, await conn.send(probe, REPLY_TIMEOUT_MS));
    }
    return result.outcome;
  };

  /** A message in any state that the server must answer with a refusal or a disconnect. */
  const anytimeHostile = (): Step => {
    switch (rng.int(0, 9)) {
      case 0:
        return step('join:hostile', 'join', [hostileJoin(rng, room)], true, 'refusal');
      case 1:
        return step('offer:wrapper', 'offer', [hostileOfferWrapper(rng, ctx.realSdp)], true, 'refusal');
      case 2:
        return step('mute:hostile', 'mute', [hostileMute(rng)], true, 'refusal');
      case 3:
        return step('unknown-event:with-ack', unknownEvent(rng), rng.chance(0.5) ? [] : [randomValue(rng)], true, 'refusal');
      case 4:
        return step('ice:valid', 'ice', [validIce(rng)], false, 'ignored');
      case 5:
        return step('join:wrong-shape', 'join', [wrongShape(rng)], true, 'refusal');
      case 6:
        return step('offer:wrong-shape', 'offer', [wrongShape(rng)], true, 'refusal');
      case 7:
        return step('mute:wrong-shape', 'mute', [wrongShape(rng)], true, 'refusal');
      case 8:
        return step('join:hostile', 'join', [hostileJoin(rng, room)], true, 'refusal');
      default:
        return step('offer:wrapper', 'offer', [hostileOfferWrapper(rng, ctx.realSdp)], true, 'refusal');
    }
  };

  /** A message after which the server must have ended the connection. */
  const terminal = (): Step => {
    switch (rng.int(0, 7)) {
      case 0:
        return step('ice:malformed', 'ice', rng.chance(0.1) ? [] : [hostileIce(rng)], false, 'fatal');
      case 1:
        return step('ice:malformed-with-ack', 'ice', [hostileIce(rng)], true, 'fatal');
      case 2:
        return step('missing-ack', rng.pick(['join', 'offer', 'mute']), [rng.chance(0.5) ? validJoin(room) : randomValue(rng)], false, 'fatal');
      case 3:
        return step('missing-ack:restartIce', 'restartIce', rng.chance(0.5) ? [] : [randomValue(rng)], false, 'fatal');
      case 4:
        return step('unknown-event:no-ack', unknownEvent(rng), [randomValue(rng)], false, 'fatal');
      case 5:
        return step('leave:with-payload', 'leave', [randomValue(rng)], true, 'fatal');
      case 6:
        return step('oversized', rng.pick(['join', 'offer', 'mute', 'ice', 'leave']), [{ blob: 'x'.repeat(LIMITS.messageBytes + rng.int(1, 20_000)) }], rng.chance(0.7), 'sizeLimit');
      default:
        return step('ice:malformed', 'ice', [hostileIce(rng)], false, 'fatal');
    }
  };

  const joinedHostile = (): Step => {
    switch (rng.int(0, 7)) {
      case 0:
        return step('join:twice', 'join', [validJoin(room)], true, 'refusal');
      case 1:
      case 2: {
        if (uncertain) return anytimeHostile();
        const mutant = mutateSdp(rng, ctx.realSdp);
        const expect = offered ? 'refusal' : offerExpectation(mutant.sdp);
        // Only the first SDP that passes the cheap checks reaches werift; later ones are refused.
        return step(`offer:sdp:${mutant.kind}`, 'offer', [{ description: { type: 'offer', sdp: mutant.sdp } }], true, expect);
      }
      case 3:
        // Once ready, a restart starts a server offer; only the renegotiation ending handles those.
        return ready || uncertain ? anytimeHostile() : step('restartIce:before-offer', 'restartIce', [], true, 'refusal');
      case 4:
        return step('mute:valid', 'mute', [{ muted: rng.chance(0.5) }], true, 'ok');
      default:
        return anytimeHostile();
    }
  };

  try {
    await conn.open(10_000);
    for (let n = rng.int(0, 6); n > 0; n--) {
      const s = rng.chance(0.15) ? step('restartIce:before-join', 'restartIce', [], true, 'refusal') : anytimeHostile();
      await send(s);
    }
    if (rng.chance(0.05)) {
      await send(terminal());
      return;
    }
    if (rng.chance(0.1)) {
      // Two joins back to back: the first wins, the second is refused.
      events += 2;
      const [a, b] = [step('join', 'join', [validJoin(room)], true, 'ok'), step('join:concurrent', 'join', [validJoin(`${room}-b`)], true, 'refusal')];
      const results = await Promise.all([conn.send(a, REPLY_TIMEOUT_MS), conn.send(b, REPLY_TIMEOUT_MS)]);
      ctx.record(a, results[0]);
      ctx.record(b, results[1]);
    } else {
      await send(step('join', 'join', [validJoin(room)], true, 'ok'));
    }
    joined = conn.isOpen;
    const middle = rng.int(8, 26);
    while (joined && conn.isOpen && events < middle) {
      if (rng.chance(0.04)) {
        // Leave, then what only a member may do, then join again.
        await send(step('leave', 'leave', [], true, 'ok'));
        offered = ready = uncertain = false;
        await send(step('offer:after-leave', 'offer', [{ description: { type: 'offer', sdp: ctx.realSdp } }], true, 'refusal'));
        await send(step('mute:after-leave', 'mute', [{ muted: true }], true, 'refusal'));
        await send(step('join:again', 'join', [validJoin(room)], true, 'ok'));
        continue;
      }
      const s = joinedHostile();
      const outcome = await send(s);
      if (s.event === 'offer' && s.expect === 'answered') {
        offered = true;
        ready = outcome === 'ack-ok';
        uncertain = !ready;
      }
    }
    if (!conn.isOpen || events >= MAX_EVENTS_PER_LANE - 4 || uncertain) return;
    const ending = rng.int(0, 9);
    if (ending <= 2 && !offered) {
      // Two real offers at once: the first is answered, the second refused while it is.
      events += 2;
      const offer = { description: { type: 'offer', sdp: ctx.realSdp } };
      const [a, b] = [step('offer', 'offer', [offer], true, 'ok'), step('offer:concurrent', 'offer', [offer], true, 'refusal')];
      const results = await Promise.all([conn.send(a, OFFER_TIMEOUT_MS), conn.send(b, OFFER_TIMEOUT_MS)]);
      ctx.record(a, results[0]);
      ctx.record(b, results[1]);
      offered = true;
      ready = results[0].outcome === 'ack-ok';
      if (ready && rng.chance(0.5)) await send(step('offer:after-answer', 'offer', [offer], true, 'refusal'));
    }
    if (ending <= 5 && !offered) {
      const outcome = await send(step('offer', 'offer', [{ description: { type: 'offer', sdp: ctx.realSdp } }], true, 'ok'));
      offered = true;
      ready = outcome === 'ack-ok';
    }
    if (ending <= 5 && ready && conn.isOpen) {
      await renegotiateWithGarbage(rng, conn, ctx, rng.chance(0.03));
      return;
    }
    if (ending <= 8) await send(terminal());
  } catch (error) {
    ctx.record(step('lane', 'connect', [], false, 'ok'), { outcome: 'closed', detail: `lane ${laneIndex} failed: ${(error as Error).message}`, elapsedMs: 0 });
  } finally {
    conn.close();
  }
}

/** Asks for an ICE restart, answers the server's offer with garbage (or not at all): the server must hang up. */
async function renegotiateWithGarbage(rng: SeededRandom, conn: FuzzConnection, ctx: LaneContext, silent: boolean): Promise<void> {
  const garbage = garbageAnswer(rng);
  if (!silent) conn.answerNextRenegotiation(() => garbage);
  const restart = step('restartIce', 'restartIce', [], true, 'ok');
  const offerArrived = conn.waitForRenegotiation(RENEGOTIATE_TIMEOUT_MS);
  const restarted = await conn.send(restart, REPLY_TIMEOUT_MS);
  ctx.record(restart, restarted);
  if (restarted.outcome !== 'ack-ok') return;
  const answer: Step = { label: silent ? 'renegotiate:no-answer' : 'renegotiate:garbage-answer', event: 'renegotiate-ack', args: [garbage], withAck: false, expect: 'fatal' };
  const startMs = performance.now();
  if (!(await offerArrived)) {
    ctx.record(answer, { outcome: 'silent', detail: 'the server sent no renegotiate offer after restartIce', elapsedMs: performance.now() - startMs });
    return;
  }
  const outcome = await conn.waitForClose(RENEGOTIATE_TIMEOUT_MS);
  ctx.record(answer, { outcome, detail: conn.closeDetail(), elapsedMs: performance.now() - startMs });
}

/** Floods one connection past the rate limiter: the server must hang up on it. */
export async function runFloodLane(ctx: LaneContext, rng: SeededRandom): Promise<void> {
  const conn = new FuzzConnection(ctx.url);
  try {
    await conn.open(10_000);
    const count = rng.int(60, 200);
    const flood = step('flood', 'ice', [validIce(rng)], false, 'fatal');
    for (let i = 0; i < count; i++) void conn.send({ ...flood, expect: 'ignored' }, 0);
    ctx.countExtraMessages(count - 1);
    const startMs = performance.now();
    const outcome = await conn.waitForClose(REPLY_TIMEOUT_MS);
    ctx.record(flood, { outcome, detail: conn.closeDetail(), elapsedMs: performance.now() - startMs });
  } finally {
    conn.close();
  }
}
