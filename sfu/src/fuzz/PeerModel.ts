import type { z } from 'zod';
import {
  connectTransportRequestSchema,
  createTransportsRequestSchema,
  joinRequestSchema,
  muteRequestSchema,
  produceRequestSchema,
  restartIceRequestSchema,
  transportInfoSchema,
} from '@parley/protocol';
import { expect, type Expectation, type StepResult } from './expectations.js';
import type { WireView } from './wire.js';

/** The events a client may send, each with the schema the protocol gives its payload ("leave" has none). */
const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  join: joinRequestSchema,
  createTransports: createTransportsRequestSchema,
  connectTransport: connectTransportRequestSchema,
  produce: produceRequestSchema,
  restartIce: restartIceRequestSchema,
  mute: muteRequestSchema,
};

/**
 * What the sfu knows about one connection, as its documentation and the protocol's schemas
 * describe it, and the outcome each request must then have. The fuzzer keeps it in step with the
 * replies, so that out-of-order and repeated requests get exact expectations.
 */
export class PeerModel {
  joined = false;
  /** This connection's own transports (from its createTransports reply). */
  recv: string | undefined;
  send: string | undefined;
  /** Own transports whose connectTransport was accepted. */
  private readonly connected = new Set<string>();
  producing = false;
  /** Transport ids this connection had before it left the room: no longer its own. */
  readonly staleIds: string[] = [];
  /** When (client clock) this connection first asked for transports: no connect timer of its can have started earlier. */
  armedSinceMs: number | undefined;
  peerId: string | undefined;
  producerId: string | undefined;
  /** Whether the accepted produce carried the real parameters unchanged (any client must be able to consume those). */
  producedRealParameters = false;

  constructor(private readonly realRtpParameters?: unknown) {}

  get hasTransports(): boolean {
    return this.recv !== undefined;
  }

  ownIds(): string[] {
    return [this.recv, this.send].filter((id): id is string => id !== undefined);
  }

  /** The expectation for an event, from what the server receives (see overTheWire) and this state. */
  expectation(view: WireView, withAck: boolean): Expectation {
    if (view.kind === 'oversized') return expect.sizeLimit();
    if (view.kind === 'undecodable') return expect.undecodable();
    const { event, args } = view;
    if (typeof event !== 'string' || (event !== 'leave' && !Object.hasOwn(REQUEST_SCHEMAS, event))) {
      return withAck ? expect.refusal('unknownEvent') : expect.fatal('unknownEvent');
    }
    if (event === 'leave') {
      if (args.length > 0) return expect.fatal('leavePayload');
      return withAck ? expect.ok() : expect.ignored();
    }
    // The handler's second argument must be the ack: exactly one payload, then the callback.
    if (!withAck || args.length !== 1) return expect.fatal('noAck');
    const parsed = REQUEST_SCHEMAS[event]!.safeParse(args[0]);
    if (!parsed.success) return expect.refusal('schema');
    return this.validRequest(event, parsed.data as Record<string, unknown>);
  }

  private validRequest(event: string, request: Record<string, unknown>): Expectation {
    if (event === 'join') return this.joined ? expect.refusal('alreadyJoined') : expect.ok();
    if (!this.joined) return expect.refusal('notJoined');
    switch (event) {
      case 'mute':
        return expect.ok();
      case 'createTransports': {
        if (this.hasTransports) return expect.refusal('alreadySetUp');
        const codecs = (request.rtpCapabilities as { codecs?: { mimeType: string }[] }).codecs ?? [];
        return codecs.some((c) => c.mimeType.toLowerCase() === 'audio/opus') ? expect.ok() : expect.refusal('noOpus');
      }
      case 'restartIce':
        return this.isOwn(request.transportId) ? expect.ok() : expect.refusal('noTransport');
      case 'connectTransport': {
        const id = request.transportId as string;
        if (!this.isOwn(id)) return expect.refusal('noTransport');
        // A connect mediasoup refused may be tried again with other parameters.
        return this.connected.has(id) ? expect.refusal('alreadyConnected') : expect.mediasoup('mediasoupConnect');
      }
      case 'produce': {
        const id = request.transportId as string;
        if (!this.isOwn(id)) return expect.refusal('noTransport');
        if (id !== this.send) return expect.refusal('sendOnly');
        if (this.producing) return expect.refusal('alreadySending');
        return expect.mediasoup('mediasoupProduce');
      }
      default:
        throw new Error(`no model for ${event}`);
    }
  }

  private isOwn(id: unknown): boolean {
    return typeof id === 'string' && (id === this.recv || id === this.send);
  }

  /**
   * Follows the server's state from a request and its outcome; returns a complaint if an `ok`
   * reply lacks what the protocol promises.
   */
  apply(view: WireView, result: StepResult, sentAtMs: number): string | undefined {
    if (view.kind !== 'event' || typeof view.event !== 'string') return undefined;
    const request = (view.args[0] ?? {}) as Record<string, unknown>;
    const ok = result.outcome === 'ack-ok';
    const reply = result.reply ?? {};
    switch (view.event) {
      case 'join':
        if (!ok) return undefined;
        this.joined = true;
        this.peerId = typeof reply.peerId === 'string' ? reply.peerId : undefined;
        if (typeof reply.peerId !== 'string' || !reply.routerRtpCapabilities) return `join reply without peerId or routerRtpCapabilities: ${result.detail}`;
        return undefined;
      case 'leave':
        if (view.args.length === 0 && (ok || result.outcome === 'silent')) this.forget();
        return undefined;
      case 'createTransports': {
        if (!ok) return undefined;
        const recv = transportInfoSchema.safeParse(reply.recv);
        const send = transportInfoSchema.safeParse(reply.send);
        const wantsSend = request.send === true;
        if (!recv.success || send.success !== wantsSend) return `createTransports reply does not match the request (send: ${wantsSend}): ${result.detail}`;
        this.recv = recv.data.id;
        this.send = send.success ? send.data.id : undefined;
        if (recv.data.iceCandidates.length === 0) return 'createTransports reply has a transport without ICE candidates: it could never connect';
        this.armedSinceMs ??= sentAtMs;
        return undefined;
      }
      case 'connectTransport': {
        const id = request.transportId as string;
        if (!this.isOwn(id)) return undefined;
        if (ok) this.connected.add(id);
        return undefined;
      }
      case 'produce':
        if (ok) {
          this.producing = true;
          this.armedSinceMs ??= sentAtMs;
          this.producedRealParameters = JSON.stringify(request.rtpParameters) === JSON.stringify(this.realRtpParameters);
          if (typeof reply.producerId !== 'string') return `produce reply without producerId: ${result.detail}`;
          this.producerId = reply.producerId;
        }
        return undefined;
      case 'restartIce': {
        const ice = reply.iceParameters as { usernameFragment?: unknown } | undefined;
        if (ok && typeof ice?.usernameFragment !== 'string') return `restartIce reply without iceParameters: ${result.detail}`;
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Assumes a request in flight will succeed (for a second request sent before its reply). */
  assume(event: 'join' | 'produce' | 'connectTransport', transportId?: string): void {
    if (event === 'join') this.joined = true;
    else if (event === 'produce') this.producing = true;
    else if (transportId) this.connected.add(transportId);
  }

  private forget(): void {
    this.staleIds.push(...this.ownIds());
    this.joined = false;
    this.recv = undefined;
    this.send = undefined;
    this.connected.clear();
    this.producing = false;
    this.armedSinceMs = undefined;
    this.producerId = undefined;
    this.producedRealParameters = false;
  }
}
