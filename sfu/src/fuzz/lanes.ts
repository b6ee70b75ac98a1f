import { Actor, CONNECT_TIMEOUT_MS, CONSUMER_ACK_TIMEOUT_MS, MAX_EVENTS_PER_CONNECTION, type LaneContext } from './Actor.js';
import { expect, outcomeAllowed, type Expectation, type StepResult } from './expectations.js';
import type { ConsumerAnswer } from './FuzzConnection.js';
import { randomValue, validJoin, wrongShape } from './hostilePayloads.js';
import { mutateRtpCapabilities } from './mediaMutations.js';
import type { SeededRandom } from './SeededRandom.js';
import { hostileStep, leaveAndReturn, progressStep, routineStep, terminalStep, type TransportIds } from './walk.js';
import { replyOverTheWire } from './wire.js';

/** How long the server may take to send something on its own (a consumer, a notice) on a loaded machine. */
const NOTICE_TIMEOUT_MS = 8_000;
const NO_NEIGHBOUR: TransportIds = { neighbour: () => [] };

function roomName(ctx: LaneContext, laneIndex: number): string {
  return `fuzz-${ctx.runId}-${laneIndex}`;
}

function laneFailed(ctx: LaneContext, laneIndex: number, error: unknown): void {
  ctx.record({
    label: 'lane',
    event: 'lane',
    hostile: false,
    expectation: expect.ok(),
    result: { outcome: 'closed', detail: `lane ${laneIndex} failed: ${(error as Error).message}`, elapsedMs: 0 },
    verdict: 'mismatch',
    complaint: 'the lane itself failed',
  });
}

/**
 * One connection's life alone in a room: hostile requests before joining, a join (sometimes two at
 * once), then hostile, out-of-order and valid requests mixed (transports, connect, produce, ICE
 * restarts, leaving and coming back), and an ending that must close the connection, or a goodbye.
 */
export async function runSoloLane(rng: SeededRandom, ctx: LaneContext, laneIndex: number): Promise<void> {
  const room = roomName(ctx, laneIndex);
  const actor = new Actor(ctx, 'solo');
  try {
    await actor.conn.open(10_000);
    for (let n = rng.int(0, 5); n > 0; n--) await hostileStep(rng, actor, ctx, room, NO_NEIGHBOUR);
    if (rng.chance(0.05)) return await terminalStep(rng, actor, room);
    if (rng.chance(0.06)) {
      // Join and leave at once: whichever the server finishes first, the connection ends up outside the room.
      await actor.concurrently(
        { label: 'join', event: 'join', args: [validJoin(room)], expectation: { kind: 'ok', ok: true, refusals: ['leftWhileJoining'] } },
        { label: 'leave:while-joining', event: 'leave', args: [], expectation: expect.ok() },
        () => undefined,
      );
      for (let n = rng.int(1, 2); n > 0; n--) await hostileStep(rng, actor, ctx, room, NO_NEIGHBOUR);
    }
    if (rng.chance(0.1)) {
      await actor.concurrently(
        { label: 'join', event: 'join', args: [validJoin(room)] },
        { label: 'join:concurrent', event: 'join', args: [validJoin(rng.chance(0.5) ? room : `${room}-b`)], expectation: expect.refusal('alreadyJoined') },
        () => actor.model.assume('join'),
      );
    } else {
      await actor.request('join', 'join', [validJoin(room)], { hostile: false });
    }
    const sendAudio = rng.chance(0.8);
    const budget = rng.int(12, MAX_EVENTS_PER_CONNECTION - 4);
    while (actor.canSend && actor.events < budget && actor.model.joined) {
      const r = rng.next();
      if (r < 0.04) await leaveAndReturn(rng, actor, ctx, room, NO_NEIGHBOUR);
      else if (r < 0.3) await progressStep(rng, actor, ctx, sendAudio);
      else if (r < 0.38) await routineStep(rng, actor);
      else await hostileStep(rng, actor, ctx, room, NO_NEIGHBOUR);
    }
    const ending = rng.next();
    if (ending < 0.45) await terminalStep(rng, actor, room);
    else if (ending < 0.6) await actor.request('leave', 'leave', [], { hostile: false });
  } catch (error) {
    laneFailed(ctx, laneIndex, error);
  } finally {
    actor.close();
  }
}

/** Replies to newConsumer other than `{ ok: true }`, and one that is an acceptance in disguise. */
function consumerAnswer(rng: SeededRandom): ConsumerAnswer {
  const r = rng.next();
  if (r < 0.5) return { kind: 'accept' };
  if (r < 0.62) return { kind: 'silent' };
  return {
    kind: 'reply',
    reply: rng.pick<() => unknown>([
      () => undefined,
      () => null,
      () => ({ ok: false, error: rng.pick(['cannot decode', '', 'x'.repeat(5_000)]) }),
      () => ({ ok: 'true' }),
      () => ({ ok: 1 }),
      () => [{ ok: true }],
      () => ({ error: 'no' }),
      () => randomValue(rng),
      () => wrongShape(rng),
      () => Buffer.from('{"ok":true}'),
      () => ({ ok: true, consumerId: 'extra fields are fine' }),
    ])(),
  };
}

/** Whether the server, by its own rule (an object whose `ok` is true), takes a reply as an acceptance. */
function replyAccepts(answer: ConsumerAnswer): boolean {
  if (answer.kind !== 'reply') return answer.kind === 'accept';
  const view = replyOverTheWire(answer.reply);
  if (view.kind !== 'event') return false;
  const reply = view.args[0] as { ok?: unknown } | null;
  return typeof reply === 'object' && reply !== null && reply.ok === true;
}

function notice(holds: boolean, detail: string): StepResult {
  return { outcome: holds ? 'ack-ok' : 'silent', detail, elapsedMs: 0 };
}

/**
 * A speaker with a real microphone producer and a second connection in the same room that is
 * fuzzed: it takes the speaker's transport ids, sets up its own transports with real or mutated
 * capabilities, and answers the server's newConsumer correctly, with garbage, or not at all. The
 * server must hand it the speaker's audio, disconnect it with a sentence if it refuses, tell it
 * when the audio stops, and hand the speaker its audio in turn.
 */
export async function runPairLane(rng: SeededRandom, ctx: LaneContext, laneIndex: number): Promise<void> {
  const room = roomName(ctx, laneIndex);
  const speaker = new Actor(ctx, 'speaker');
  const subject = new Actor(ctx, 'subject');
  const { media } = ctx;
  try {
    await Promise.all([speaker.conn.open(10_000), subject.conn.open(10_000)]);
    const joined = await speaker.request('join', 'join', [validJoin(room)], { hostile: false });
    await speaker.request('createTransports', 'createTransports', [{ rtpCapabilities: media.rtpCapabilities, send: true }], { hostile: false });
    ctx.foreignTransportIds.push(...speaker.model.ownIds());
    await speaker.request('connectTransport', 'connectTransport', [{ transportId: speaker.model.send, dtlsParameters: media.dtlsParameters }], { hostile: false });
    const produced = await speaker.request('produce', 'produce', [{ transportId: speaker.model.send, kind: 'audio', rtpParameters: media.rtpParameters }], { hostile: false });
    const producedAtMs = Date.now();
    const speakerPeerId = joined?.reply?.peerId;
    const producerId = produced?.reply?.producerId;
    if (typeof producerId !== 'string' || typeof speakerPeerId !== 'string') return;
    const ids: TransportIds = { neighbour: () => speaker.model.ownIds() };

    const answer = consumerAnswer(rng);
    const accepts = replyAccepts(answer);
    subject.conn.consumerAnswer = answer;
    for (let n = rng.int(0, 3); n > 0; n--) await hostileStep(rng, subject, ctx, room, ids);
    await subject.request('join', 'join', [validJoin(room)], { hostile: false });
    for (let n = rng.int(0, 4); n > 0; n--) await hostileStep(rng, subject, ctx, room, ids);
    const realCaps = rng.chance(0.75);
    const caps = realCaps ? media.rtpCapabilities : mutateRtpCapabilities(rng, media.rtpCapabilities).value;
    const created = await subject.request(realCaps ? 'createTransports' : 'createTransports:caps:pair', 'createTransports', [{ rtpCapabilities: caps, send: rng.chance(0.5) }], { hostile: !realCaps });
    const speakerStillProducing = speaker.isOpen && Date.now() - producedAtMs < CONNECT_TIMEOUT_MS - 5_000;
    const mustConsume = realCaps && created?.outcome === 'ack-ok' && speakerStillProducing;

    const budget = rng.int(6, MAX_EVENTS_PER_CONNECTION - 6);
    while (subject.canSend && subject.events < budget && !(subject.conn.consumers.length && !accepts)) {
      const r = rng.next();
      if (r < 0.25) await progressStep(rng, subject, ctx, true);
      else if (r < 0.3) await routineStep(rng, subject);
      else await hostileStep(rng, subject, ctx, room, ids);
    }

    const fromSpeaker = () => subject.conn.consumers.find((c) => c.producerId === producerId);
    if (mustConsume) {
      await subject.conn.waitFor(() => !!fromSpeaker() || !subject.isOpen, NOTICE_TIMEOUT_MS);
      const consumer = fromSpeaker();
      const holds = !!consumer && consumer.peerId === speakerPeerId && consumer.kind === 'audio' && typeof consumer.consumerId === 'string';
      if (holds || !subject.closedForDocumentedReason()) {
        const summary = JSON.stringify(consumer ?? null).slice(0, 200);
        subject.check('newConsumer:delivered', false, expect.ok(), notice(holds, summary), holds, `the speaker's audio was not offered to a listener with real capabilities: ${summary}`);
      }
    }
    if (subject.conn.consumers.length && !accepts) {
      // The refusal is the hostile input: the server must end the session, saying why.
      const timeoutMs = (answer.kind === 'silent' ? CONSUMER_ACK_TIMEOUT_MS : 0) + NOTICE_TIMEOUT_MS;
      const startMs = performance.now();
      const oversized = answer.kind === 'reply' && replyOverTheWire(answer.reply).kind === 'oversized';
      const expectation: Expectation = oversized ? expect.sizeLimit() : expect.fatal('consumerRefused');
      const outcome = await subject.conn.waitForClose(timeoutMs);
      const result: StepResult = { outcome, detail: subject.conn.closeDetail(), elapsedMs: performance.now() - startMs };
      const holds = outcomeAllowed(expectation, 'newConsumer', result);
      const answered = JSON.stringify(subject.conn.consumers[0]?.answered)?.slice(0, 80) ?? 'nothing';
      subject.check(`newConsumer:${answer.kind === 'silent' ? 'no-answer' : 'bad-answer'}`, true, expectation, result, holds, `answered ${answered}: ${result.detail}`);
      return;
    }
    const subjectProducerId = subject.model.producerId;
    if (subjectProducerId && subject.model.producedRealParameters && speaker.isOpen && Date.now() - producedAtMs < CONNECT_TIMEOUT_MS - 5_000) {
      // The subject's microphone reaches the speaker, who has a receive transport too.
      const theirs = () => speaker.conn.consumers.find((c) => c.producerId === subjectProducerId);
      await speaker.conn.waitFor(() => !!theirs() || !speaker.isOpen, NOTICE_TIMEOUT_MS);
      const consumer = theirs();
      const holds = !!consumer && consumer.peerId === subject.model.peerId;
      if (holds || !speaker.closedForDocumentedReason()) {
        speaker.check('newConsumer:delivered-back', false, expect.ok(), notice(holds, JSON.stringify(consumer ?? null).slice(0, 200)), holds, "a listener's own microphone was not offered to the speaker");
      }
    }
    const accepted = fromSpeaker();
    if (accepted && accepts && subject.isOpen) {
      await speaker.request('leave', 'leave', [], { hostile: false });
      await subject.conn.waitFor(() => subject.conn.closedConsumers.includes(accepted.consumerId) || !subject.isOpen, NOTICE_TIMEOUT_MS);
      const holds = subject.conn.closedConsumers.includes(accepted.consumerId);
      if (holds || !subject.closedForDocumentedReason()) {
        subject.check('consumerClosed:delivered', false, expect.ok(), notice(holds, `closed: ${JSON.stringify(subject.conn.closedConsumers)}`), holds, `no consumerClosed for ${String(accepted.consumerId)} after its speaker left`);
      }
    }
  } catch (error) {
    laneFailed(ctx, laneIndex, error);
  } finally {
    speaker.close();
    subject.close();
  }
}
