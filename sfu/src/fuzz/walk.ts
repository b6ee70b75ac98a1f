import { expect } from './expectations.js';
import type { Actor, LaneContext } from './Actor.js';
import { hostileJoin, hostileMute, randomValue, strangeTransportId, randomUUIDFrom, unknownEvent, validJoin, wrongShape } from './hostilePayloads.js';
import { anotherStream, mutateDtlsParameters, mutateRtpCapabilities, mutateRtpParameters } from './mediaMutations.js';
import type { SeededRandom } from './SeededRandom.js';
import { LIMITS } from '@parley/protocol';

/** Where an input's transport id comes from. */
export interface TransportIds {
  /** Another connection's transports in the same lane (the neighbour's), if any. */
  neighbour(): string[];
}

/** A transport id: this connection's own, another's, one it had before leaving, or one nobody has. */
function transportId(rng: SeededRandom, actor: Actor, ctx: LaneContext, ids: TransportIds, prefer?: 'send' | 'recv'): unknown {
  const own = prefer === 'send' ? actor.model.send : prefer === 'recv' ? actor.model.recv : rng.pick([actor.model.send, actor.model.recv]);
  const foreign = [...ids.neighbour(), ...ctx.foreignTransportIds.slice(-50)];
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
      return foreign.length ? rng.pick(foreign) : randomUUIDFrom(rng);
    case 2:
      return actor.model.staleIds.length ? rng.pick(actor.model.staleIds) : randomUUIDFrom(rng);
    case 3:
      return strangeTransportId(rng);
    default:
      return own ?? (foreign.length ? rng.pick(foreign) : randomUUIDFrom(rng));
  }
}

/** A request that is wrong in some way, whatever the connection's state: the model says how the server must answer. */
export async function hostileStep(rng: SeededRandom, actor: Actor, ctx: LaneContext, room: string, ids: TransportIds): Promise<void> {
  const { media } = ctx;
  switch (rng.int(0, 15)) {
    case 0:
      return void (await actor.request('join:hostile', 'join', [hostileJoin(rng, room)]));
    case 1:
      return void (await actor.request('mute:hostile', 'mute', [hostileMute(rng)]));
    case 2:
      return void (await actor.request('unknown-event:with-ack', unknownEvent(rng), rng.chance(0.5) ? [] : [randomValue(rng)]));
    case 3: {
      const caps = mutateRtpCapabilities(rng, media.rtpCapabilities);
      const send = rng.chance(0.9) ? rng.chance(0.7) : rng.pick<unknown>(['true', 1, null]);
      return void (await actor.request(`createTransports:caps:${caps.kind}`, 'createTransports', [{ rtpCapabilities: caps.value, send }]));
    }
    case 4: {
      const dtls = mutateDtlsParameters(rng, media.dtlsParameters);
      const id = transportId(rng, actor, ctx, ids);
      return void (await actor.request(`connectTransport:dtls:${dtls.kind}`, 'connectTransport', [{ transportId: id, dtlsParameters: dtls.value }]));
    }
    case 5:
    case 6: {
      const rtp = mutateRtpParameters(rng, media.rtpParameters);
      const id = transportId(rng, actor, ctx, ids, rng.chance(0.8) ? 'send' : undefined);
      return void (await actor.request(`produce:rtp:${rtp.kind}`, 'produce', [{ transportId: id, kind: 'audio', rtpParameters: rtp.value }]));
    }
    case 7: {
      // Real parameters, wrong target: the receive transport, another connection's, or before/after the right moment.
      const prefer = rng.pick<'send' | 'recv' | undefined>(['recv', 'recv', undefined]);
      return void (await actor.request(`produce:real:${prefer ?? 'any'}-transport`, 'produce', [{ transportId: transportId(rng, actor, ctx, ids, prefer), kind: 'audio', rtpParameters: media.rtpParameters }]));
    }
    case 8:
      return void (await actor.request('produce:video', 'produce', [{ transportId: transportId(rng, actor, ctx, ids, 'send'), kind: rng.pick(['video', 'data', 'AUDIO']), rtpParameters: media.rtpParameters }]));
    case 9:
      return void (await actor.request('connectTransport:real:any-transport', 'connectTransport', [{ transportId: transportId(rng, actor, ctx, ids), dtlsParameters: media.dtlsParameters }]));
    case 10:
      return void (await actor.request('restartIce:hostile', 'restartIce', [rng.chance(0.8) ? { transportId: transportId(rng, actor, ctx, ids) } : wrongShape(rng)]));
    case 11:
      return void (await actor.request('createTransports:real:again', 'createTransports', [{ rtpCapabilities: media.rtpCapabilities, send: rng.chance(0.5) }]));
    case 12: {
      // A huge or deeply nested field where a small one belongs (under the frame limit: the schema must refuse it).
      const event = rng.pick(['createTransports', 'connectTransport', 'produce', 'restartIce']);
      const big = rng.pick<() => unknown>([
        () => 'x'.repeat(rng.int(65, LIMITS.messageBytes - 400)),
        () => new Array(rng.int(65, 400)).fill({ kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000 }),
        () => randomValue(rng),
      ])();
      const field = rng.pick(['transportId', 'rtpCapabilities', 'rtpParameters', 'dtlsParameters', 'kind', 'send']);
      return void (await actor.request(`${event}:huge-field`, event, [{ transportId: actor.model.send ?? 'x', [field]: big }]));
    }
    case 13:
      // An acknowledgement of a newConsumer the server never sent (or sent to another connection).
      return actor.ignoredRawPacket('ack:stray', `3${rng.int(0, 50)}${JSON.stringify([rng.pick<unknown>([{ ok: true }, { ok: false, error: 'x' }, null])])}`);
    case 14:
      return void (await actor.request('join:wrong-shape', 'join', [wrongShape(rng)]));
    default: {
      const event = rng.pick(['createTransports', 'connectTransport', 'produce', 'restartIce', 'mute']);
      return void (await actor.request(`${event}:wrong-shape`, event, [wrongShape(rng)]));
    }
  }
}

/** A step further into a normal session (transports, connect, produce), sometimes twice at once. */
export async function progressStep(rng: SeededRandom, actor: Actor, ctx: LaneContext, sendAudio: boolean): Promise<void> {
  const { media } = ctx;
  const m = actor.model;
  const twice = rng.chance(0.12);
  if (!m.hasTransports) {
    const request = { label: 'createTransports', event: 'createTransports', args: [{ rtpCapabilities: media.rtpCapabilities, send: sendAudio }] };
    if (twice) {
      return actor.concurrently(request, { label: 'createTransports:concurrent', event: 'createTransports', args: request.args, expectation: expect.refusal('alreadySetUp') }, () => undefined);
    }
    const result = await actor.request(request.label, request.event, request.args, { hostile: false });
    if (result?.outcome === 'ack-ok') ctx.foreignTransportIds.push(...m.ownIds());
    return;
  }
  const send = m.send;
  if (send && !m.producing && rng.chance(0.5)) {
    if (rng.chance(0.5)) {
      // Mutated parameters at the one moment they reach mediasoup; a refused produce may be tried again.
      const rtp = mutateRtpParameters(rng, media.rtpParameters);
      return void (await actor.request(`produce:rtp:${rtp.kind}`, 'produce', [{ transportId: send, kind: 'audio', rtpParameters: rtp.value }]));
    }
    // Produce before connect is allowed: mediasoup-client does it in that order too, and the connect timer covers it.
    const request = { label: 'produce', event: 'produce', args: [{ transportId: send, kind: 'audio', rtpParameters: media.rtpParameters }] };
    if (twice) {
      const other = { transportId: send, kind: 'audio', rtpParameters: anotherStream(rng, media.rtpParameters) };
      return actor.concurrently(request, { label: 'produce:concurrent', event: 'produce', args: [other], expectation: expect.refusal('alreadySending') }, () => m.assume('produce'));
    }
    return void (await actor.request(request.label, request.event, request.args, { hostile: false }));
  }
  const target = rng.pick(m.ownIds());
  if (rng.chance(0.4)) {
    const dtls = mutateDtlsParameters(rng, media.dtlsParameters);
    return void (await actor.request(`connectTransport:dtls:${dtls.kind}`, 'connectTransport', [{ transportId: target, dtlsParameters: dtls.value }]));
  }
  const request = { label: 'connectTransport', event: 'connectTransport', args: [{ transportId: target, dtlsParameters: media.dtlsParameters }] };
  if (twice && actor.model.expectation({ kind: 'event', event: 'connectTransport', args: request.args }, true).kind === 'mediasoup') {
    return actor.concurrently(request, { label: 'connectTransport:concurrent', event: 'connectTransport', args: request.args, expectation: expect.refusal('alreadyConnected') }, () => m.assume('connectTransport', target));
  }
  return void (await actor.request(request.label, request.event, request.args, { hostile: !actor.model.expectation({ kind: 'event', event: 'connectTransport', args: request.args }, true).ok }));
}

/** Valid requests a client makes at any time in a room. */
export async function routineStep(rng: SeededRandom, actor: Actor): Promise<void> {
  const own = actor.model.ownIds();
  if (own.length && rng.chance(0.5)) return void (await actor.request('restartIce', 'restartIce', [{ transportId: rng.pick(own) }], { hostile: false }));
  await actor.request('mute', 'mute', [{ muted: rng.chance(0.5) }], { hostile: false });
}

/** Leaves, tries what only a member may do, then joins again (with the old transport ids now stale). */
export async function leaveAndReturn(rng: SeededRandom, actor: Actor, ctx: LaneContext, room: string, ids: TransportIds): Promise<void> {
  await actor.request('leave', 'leave', [], { hostile: false, withAck: rng.chance(0.8) });
  for (let n = rng.int(1, 3); n > 0; n--) await hostileStep(rng, actor, ctx, room, ids);
  await actor.request('join:again', 'join', [validJoin(room)], { hostile: false });
}

/** A last input after which the server must have closed the connection. */
export async function terminalStep(rng: SeededRandom, actor: Actor, room: string): Promise<void> {
  const event = rng.pick(['join', 'createTransports', 'connectTransport', 'produce', 'restartIce', 'mute']);
  const payload = event === 'join' ? validJoin(room) : rng.chance(0.5) ? { muted: true } : randomValue(rng);
  switch (rng.int(0, 7)) {
    case 0:
      return void (await actor.request('missing-ack', event, [payload], { withAck: false }));
    case 1:
      return void (await actor.request('extra-argument', event, [payload, randomValue(rng)]));
    case 2:
      return void (await actor.request('no-payload', event, []));
    case 3:
      return void (await actor.request('unknown-event:no-ack', unknownEvent(rng), [randomValue(rng)], { withAck: false }));
    case 4:
      return void (await actor.request('leave:with-payload', 'leave', [randomValue(rng)], { withAck: rng.chance(0.5) }));
    case 5:
      return void (await actor.request('oversized', rng.pick([event, 'leave', 'nope']), [{ blob: 'x'.repeat(LIMITS.messageBytes + rng.int(1, 20_000)) }], { withAck: rng.chance(0.7) }));
    case 6:
      return void (await actor.request('oversized-binary', event, [Buffer.alloc(LIMITS.messageBytes + rng.int(1, 5_000))]));
    default:
      // socket.io refuses a packet with more than 10 binary attachments before any handler sees it.
      return void (await actor.request('too-many-attachments', event, [Array.from({ length: rng.int(11, 20) }, () => Buffer.from('a'))]));
  }
}
