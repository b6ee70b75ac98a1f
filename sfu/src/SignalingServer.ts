import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  iceCandidateSchema,
  joinRequestSchema,
  offerRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/protocol';
import { Peer } from './Peer.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';
import type { RtcSettings } from './RtcSettings.js';
import { SignalingError } from './errors.js';
import { TokenBucket } from './TokenBucket.js';
import { captionAudience } from './CaptionRelay.js';

type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents>;
type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

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
  messagesPerSecond?: number;
  messageBurst?: number;
}

interface SocketState {
  room?: Room;
  peer?: Peer;
  feed?: { close(): Promise<void> };
}

/** socket.io signaling: join, offer/answer, leave; every payload validated before use. */
export class SignalingServer {
  private readonly joinTimeoutMs: number;

  constructor(
    private readonly io: ParleyServer,
    private readonly options: SignalingOptions,
  ) {
    this.joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    io.on('connection', (socket) => this.onConnection(socket));
  }

  private onConnection(socket: ParleySocket): void {
    const state: SocketState = {};
    const bucket = new TokenBucket(this.options.messageBurst ?? 40, this.options.messagesPerSecond ?? 20);
    const log = this.options.log.child({ socket: socket.id });
    const joinTimer = setTimeout(() => {
      if (!state.peer) this.disconnect(socket, 'No room was joined in time; reload the page to try again.');
    }, this.joinTimeoutMs);

    socket.use((_packet, next) => {
      if (bucket.take()) return next();
      this.disconnect(socket, 'Too many messages; the connection was closed. Reload the page to rejoin.');
    });

    this.on(socket, 'join', joinRequestSchema, async (request) => {
      if (state.peer) throw new SignalingError('Already in a room; leave it first.', 409);
      const room = this.options.rooms.getOrCreate(request.room);
      const peer = new Peer({
        id: randomUUID(),
        name: request.name,
        speaks: request.speaks,
        reads: request.reads,
        rtc: this.options.rtc,
      });
      room.addPeer(peer);
      state.room = room;
      state.peer = peer;
      clearTimeout(joinTimer);
      await socket.join([`room:${room.id}`, captionAudience(room.id, request.reads)]);
      peer.once('audioTrack', () => {
        if (!peer.isClosed && !state.feed) state.feed = this.options.startSpeakerFeed(room, peer);
      });
      peer.once('closed', () => {
        void state.feed?.close();
        state.feed = undefined;
      });
      log.info({ room: room.id, peer: peer.id, speaks: peer.speaks, reads: peer.reads }, 'joined');
      return { peerId: peer.id, participants: room.participants(), iceServers: this.options.iceServers() };
    });

    this.on(socket, 'offer', offerRequestSchema, async (request) => {
      if (!state.peer) throw new SignalingError('Join a room before sending an offer.', 409);
      const sdp = await state.peer.answer(request.description.sdp);
      return { description: { type: 'answer' as const, sdp } };
    });

    socket.on('ice', (candidate: unknown) => {
      // Answers carry every server candidate and browsers send theirs in the offer; late ones are only checked.
      if (!iceCandidateSchema.safeParse(candidate).success) this.disconnect(socket, 'Malformed ICE candidate.');
    });

    socket.on('leave', (ack?: unknown) => {
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
    event: 'join' | 'offer',
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
