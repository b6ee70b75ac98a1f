import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  answerReplySchema,
  iceCandidateSchema,
  joinRequestSchema,
  muteRequestSchema,
  offerRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type JoinRequest,
  type ServerToClientEvents,
} from '@parley/protocol';
import { Peer } from './Peer.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';
import type { RtcSettings } from './RtcSettings.js';
import { SignalingError } from './errors.js';
import { checkAnswerSdp, withCrlfLineEndings } from './offerSdp.js';
import { TokenBucket } from './TokenBucket.js';
import { captionAudience } from './CaptionRelay.js';

type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Every event a client may send (a Record, so that a new protocol event cannot be missed here). */
const CLIENT_EVENTS: ReadonlySet<unknown> = new Set(
  Object.keys({ join: 1, offer: 1, ice: 1, leave: 1, mute: 1, restartIce: 1, host: 1, refreshToken: 1 } satisfies Record<keyof ClientToServerEvents, 1>),
);

/** Starts captioning a participant's microphone; returns how to stop it. */
export type SpeakerFeedFactory = (room: Room, peer: Peer) => { close(): Promise<void> };

export interface SignalingOptions {
  rooms: RoomRegistry;
  rtc: RtcSettings;
  startSpeakerFeed: SpeakerFeedFactory;
  iceServers: () => { urls: string[]; username?: string; credential?: string }[];
  log: Logger;
  /** A socket that has not joined a room by then is disconnected. */
  joinTimeoutMs?: number;
  /** How long the browser may take to answer a server offer before it is disconnected. */
  renegotiateTimeoutMs?: number;
  /** After its first offer, a peer's WebRTC connection must be up within this. */
  connectTimeoutMs?: number;
  messagesPerSecond?: number;
  messageBurst?: number;
  /** Refuses a join this socket may not make (sign-in, private room, lock, capacity) by throwing a SignalingError. */
  admit?: (socket: ParleySocket, request: JoinRequest) => Promise<void>;
  /** Told of every peer that joined, so that room controls can reach it and its socket. */
  onJoined?: (socket: ParleySocket, room: Room, peer: Peer) => void;
}

interface SocketState {
  room?: Room;
  peer?: Peer;
  feed?: { close(): Promise<void> };
}

/** socket.io signaling: join, offer/answer, leave; every payload validated before use. */
export class SignalingServer {
  private readonly joinTimeoutMs: number;
  private readonly renegotiateTimeoutMs: number;

  constructor(
    private readonly io: ParleyServer,
    private readonly options: SignalingOptions,
  ) {
    this.joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    this.renegotiateTimeoutMs = options.renegotiateTimeoutMs ?? 10_000;
    io.on('connection', (socket) => this.onConnection(socket));
  }

  private onConnection(socket: ParleySocket): void {
    const state: SocketState = {};
    const bucket = new TokenBucket(this.options.messageBurst ?? 40, this.options.messagesPerSecond ?? 20);
    const log = this.options.log.child({ socket: socket.id });
    const joinTimer = setTimeout(() => {
      if (!state.peer) this.disconnect(socket, 'No room was joined in time; reload the page to try again.');
    }, this.joinTimeoutMs);

    socket.use(([event, ...args], next) => {
      if (!bucket.take()) return this.disconnect(socket, 'Too many messages; the connection was closed. Reload the page to rejoin.');
      if (CLIENT_EVENTS.has(event)) return next();
      // socket.io drops events nobody listens to, which would leave the client's ack waiting forever.
      const message = `Unknown event ${JSON.stringify(String(event).slice(0, 40))}; the page may be out of date, reload it.`;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (r: Ack<object>) => void)({ ok: false, error: message });
      else this.disconnect(socket, message);
    });

    this.on(socket, 'join', joinRequestSchema, async (request) => {
      if (state.peer) throw new SignalingError('Already in a room; leave it first.', 409);
      await this.options.admit?.(socket, request);
      if (!socket.connected) throw new SignalingError('The connection closed while joining.', 410);
      if (state.peer) throw new SignalingError('Already in a room; leave it first.', 409);
      const room = this.options.rooms.getOrCreate(request.room);
      const peer = new Peer({
        id: randomUUID(),
        name: request.name,
        speaks: request.speaks,
        reads: request.reads,
        rtc: this.options.rtc,
        connectTimeoutMs: this.options.connectTimeoutMs,
      });
      peer.setOfferChannel((sdp) => this.sendServerOffer(socket, sdp));
      room.addPeer(peer);
      state.room = room;
      state.peer = peer;
      clearTimeout(joinTimer);
      await socket.join([`room:${room.id}`, captionAudience(room.id, request.reads)]);
      peer.once('audioTrack', () => {
        if (!peer.isClosed && !state.feed) state.feed = this.options.startSpeakerFeed(room, peer);
      });
      peer.once('closed', (reason) => {
        void state.feed?.close();
        state.feed = undefined;
        if (reason !== undefined && state.peer === peer) {
          log.info({ room: room.id, peer: peer.id, reason }, 'peer closed');
          this.disconnect(socket, reason);
        }
      });
      this.options.onJoined?.(socket, room, peer);
      log.info({ room: room.id, peer: peer.id, speaks: peer.speaks, reads: peer.reads }, 'joined');
      return { peerId: peer.id, participants: room.participants(), iceServers: this.options.iceServers() };
    });

    this.on(socket, 'offer', offerRequestSchema, async (request) => {
      if (!state.peer) throw new SignalingError('Join a room before sending an offer.', 409);
      const sdp = await state.peer.answer(withCrlfLineEndings(request.description.sdp));
      return { description: { type: 'answer' as const, sdp } };
    });

    this.on(socket, 'mute', muteRequestSchema, async (request) => {
      if (!state.peer) throw new SignalingError('Join a room before muting.', 409);
      state.peer.setMuted(request.muted);
      return {};
    });

    socket.on('restartIce', (ack: unknown) => {
      if (typeof ack !== 'function') {
        this.disconnect(socket, '"restartIce" needs an acknowledgement callback.');
        return;
      }
      const reply = ack as (r: Ack<object>) => void;
      try {
        if (!state.peer) throw new SignalingError('Join a room before restarting ICE.', 409);
        state.peer.restartIce();
        reply({ ok: true });
      } catch (error) {
        reply({ ok: false, error: error instanceof SignalingError ? error.message : 'The server could not restart ICE.' });
      }
    });

    socket.on('ice', (candidate: unknown) => {
      // Answers carry every server candidate and browsers send theirs in the offer; late ones are only checked.
      if (!iceCandidateSchema.safeParse(candidate).success) this.disconnect(socket, 'Malformed ICE candidate.');
    });

    socket.on('leave', (...args: unknown[]) => {
      const ack = args[args.length - 1];
      // With a payload the ack is not where socket.io puts it, and would never be answered.
      if (args.length > (typeof ack === 'function' ? 1 : 0)) return this.disconnect(socket, '"leave" takes no payload.');
      void this.leave(socket, state).then(() => {
        if (typeof ack === 'function') (ack as (r: Ack<object>) => void)({ ok: true });
      });
    });

    socket.on('disconnect', () => {
      clearTimeout(joinTimer);
      void this.leave(socket, state);
    });
  }

  /** Registers a handler that validates its payload and always answers its ack. */
  private on<S extends z.ZodType, R extends object>(
    socket: ParleySocket,
    event: 'join' | 'offer' | 'mute',
    schema: S,
    handler: (request: z.infer<S>) => Promise<R>,
  ): void {
    socket.on(event, (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        this.disconnect(socket, `"${event}" needs an acknowledgement callback.`);
        return;
      }
      const reply = ack as (r: Ack<R>) => void;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        reply({ ok: false, error: `Invalid ${event}: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'bad payload'}` });
        return;
      }
      handler(parsed.data).then(
        (result) => reply({ ok: true, ...result }),
        (error: unknown) => {
          if (error instanceof SignalingError) reply({ ok: false, error: error.message });
          else {
            this.options.log.error({ err: error, event }, 'signaling handler failed');
            reply({ ok: false, error: 'The server could not handle this request.' });
          }
        },
      );
    });
  }

  /** A server offer to the browser; resolves with its answer SDP, rejects on timeout or a malformed reply. */
  private async sendServerOffer(socket: ParleySocket, sdp: string): Promise<string> {
    if (!socket.connected) throw new Error('the browser is gone');
    let reply: unknown;
    try {
      reply = await socket.timeout(this.renegotiateTimeoutMs).emitWithAck('renegotiate', { description: { type: 'offer', sdp } });
    } catch {
      throw new Error(`no answer within ${this.renegotiateTimeoutMs / 1000} s`);
    }
    const parsed = answerReplySchema.safeParse(reply);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`the answer was malformed: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'bad payload'}`);
    }
    const answerSdp = withCrlfLineEndings(parsed.data.description.sdp);
    checkAnswerSdp(answerSdp, sdp);
    return answerSdp;
  }

  private async leave(socket: ParleySocket, state: SocketState): Promise<void> {
    const { room, peer } = state;
    state.room = undefined;
    state.peer = undefined;
    if (!room || !peer) return;
    socket.leave(`room:${room.id}`);
    socket.leave(captionAudience(room.id, peer.reads));
    room.removePeer(peer.id);
    await peer.close();
  }

  private disconnect(socket: ParleySocket, message: string): void {
    if (!socket.connected) return;
    socket.emit('fatal', { message });
    socket.disconnect(true);
  }
}
