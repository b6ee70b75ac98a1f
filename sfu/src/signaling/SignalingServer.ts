import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  captionLanguageRequestSchema,
  connectTransportRequestSchema,
  createTransportsRequestSchema,
  joinRequestSchema,
  muteRequestSchema,
  newConsumerSchema,
  produceRequestSchema,
  restartIceRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type JoinMove,
  type JoinReply,
  type JoinRequest,
  type NewConsumer,
  type ServerToClientEvents,
} from '@parley/protocol';
import { Peer } from '../rooms/Peer.js';
import type { Room } from '../rooms/Room.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import { SignalingError } from '../errors.js';
import { TokenBucket } from '../TokenBucket.js';
import { captionAudience } from '../CaptionRelay.js';
import type { Placement } from '../cluster/RoomPlacement.js';

type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type RequestEvent = 'join' | 'createTransports' | 'connectTransport' | 'produce' | 'restartIce' | 'mute' | 'setCaptionLanguage';

/** Every event a client may send (a Record, so that a new protocol event cannot be missed here). */
const CLIENT_EVENTS: ReadonlySet<unknown> = new Set(
  Object.keys({
    join: 1,
    createTransports: 1,
    connectTransport: 1,
    produce: 1,
    restartIce: 1,
    leave: 1,
    mute: 1,
    setCaptionLanguage: 1,
    host: 1,
    refreshToken: 1,
  } satisfies Record<keyof ClientToServerEvents, 1>),
);

/** Starts captioning a participant's microphone; returns how to stop it. */
export type SpeakerFeedFactory = (room: Room, peer: Peer) => { close(): Promise<void> };

export interface SignalingOptions {
  rooms: RoomRegistry;
  startSpeakerFeed: SpeakerFeedFactory;
  iceServers: () => { urls: string[]; username?: string; credential?: string }[];
  /** Told to every client with its join reply (OPUS_DTX). */
  opusDtx?: boolean;
  log: Logger;
  /** A socket that has not joined a room by then is disconnected. */
  joinTimeoutMs?: number;
  /** How long a client may take to take a new consumer before it is disconnected. */
  consumerAckTimeoutMs?: number;
  /** A transport that carries audio must be connected within this. */
  connectTimeoutMs?: number;
  /** A lost connection gets this long for an ICE restart. */
  iceRecoveryMs?: number;
  messagesPerSecond?: number;
  messageBurst?: number;
  /** Refuses a join this socket may not make (sign-in, private room, lock, capacity) by throwing a SignalingError. */
  admit?: (socket: ParleySocket, request: JoinRequest) => Promise<void>;
  /** Told of every peer that joined, so that room controls can reach it and its socket. */
  onJoined?: (socket: ParleySocket, room: Room, peer: Peer) => void;
  /**
   * Where the room's media lives (several sfu nodes): here, or another node the client is sent to.
   * Throws a SignalingError when that cannot be known now. Absent: always here.
   */
  place?: (room: string) => Promise<Placement>;
  /** Told when a client comes back after losing its socket, or restarts ICE (for the metrics). */
  onReconnect?: (kind: 'socket' | 'ice') => void;
}

interface SocketState {
  room?: Room;
  peer?: Peer;
  feed?: { close(): Promise<void> };
  /** Bumped by every leave (and so by a disconnect): a join still under way then gives up. */
  epoch: number;
  /** The epoch of a join under way, until its reply. */
  joiningIn?: number;
}

/** socket.io signaling: join, transports, produce/consume, mute, leave; every payload validated before use. */
export class SignalingServer {
  private readonly joinTimeoutMs: number;
  private readonly consumerAckTimeoutMs: number;

  constructor(
    io: ParleyServer,
    private readonly options: SignalingOptions,
  ) {
    this.joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    this.consumerAckTimeoutMs = options.consumerAckTimeoutMs ?? 10_000;
    io.on('connection', (socket) => this.onConnection(socket));
  }

  private onConnection(socket: ParleySocket): void {
    const state: SocketState = { epoch: 0 };
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

    const joined = (): { room: Room; peer: Peer } => {
      if (!state.peer || !state.room) throw new SignalingError('Join a room first.', 409);
      return { room: state.room, peer: state.peer };
    };

    const joinRoom = async (request: z.infer<typeof joinRequestSchema>, epoch: number): Promise<JoinReply | JoinMove> => {
      await this.options.admit?.(socket, request);
      if (state.epoch !== epoch) throw new SignalingError('You left the room before joining it had finished; join again.', 409);
      const placement = await this.options.place?.(request.room);
      if (state.epoch !== epoch) throw new SignalingError('You left the room before joining it had finished; join again.', 409);
      if (placement && !placement.here) {
        log.info({ room: request.room, moveTo: placement.url, node: placement.nodeId }, 'sent to the node that hosts the room');
        return { moveTo: placement.url };
      }
      if (placement?.takenOverFrom) log.info({ room: request.room, from: placement.takenOverFrom }, 'took over a room whose node stopped');
      const room = this.options.rooms.getOrCreate(request.room);
      const peer = new Peer({
        id: randomUUID(),
        name: request.name,
        speaks: request.speaks,
        reads: request.reads,
        media: () => room.ensureMedia(),
        connectTimeoutMs: this.options.connectTimeoutMs,
        iceRecoveryMs: this.options.iceRecoveryMs,
      });
      room.addPeer(peer);
      const media = await room.ensureMedia().catch(async (error: unknown) => {
        room.removePeer(peer.id);
        throw error;
      });
      if (peer.isClosed) throw new SignalingError('The room closed while you joined; join again.', 409);
      if (state.epoch !== epoch) {
        // The client left, or its connection closed, while the room's media was set up: nobody could reach this participant.
        room.removePeer(peer.id);
        throw new SignalingError('You left the room before joining it had finished; join again.', 409);
      }
      peer.setChannel({
        newConsumer: (consumer) => this.sendConsumer(socket, consumer),
        consumerClosed: (consumerId) => socket.emit('consumerClosed', { consumerId }),
        mediaReset: (reason) => socket.emit('mediaReset', { reason }),
      });
      state.room = room;
      state.peer = peer;
      clearTimeout(joinTimer);
      await socket.join([`room:${room.id}`, captionAudience(room.id, request.reads)]);
      peer.on('producer', () => {
        void state.feed?.close();
        state.feed = peer.isClosed ? undefined : this.options.startSpeakerFeed(room, peer);
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
      return {
        peerId: peer.id,
        participants: room.participants(),
        iceServers: this.options.iceServers(),
        routerRtpCapabilities: media.rtpCapabilities as never,
        opusDtx: this.options.opusDtx ?? false,
      };
    };

    this.on(socket, 'join', joinRequestSchema, async (request) => {
      // Checked before the first await: a second join sent before the first one's reply is refused too.
      if (state.peer || state.joiningIn === state.epoch) throw new SignalingError('Already in a room; leave it first.', 409);
      const epoch = state.epoch;
      state.joiningIn = epoch;
      try {
        const reply = await joinRoom(request, epoch);
        if (request.rejoin) this.options.onReconnect?.('socket');
        return reply;
      } finally {
        if (state.joiningIn === epoch) state.joiningIn = undefined;
      }
    });

    this.on(socket, 'createTransports', createTransportsRequestSchema, async (request) => {
      const { peer } = joined();
      return peer.createTransports(request.rtpCapabilities as types.RtpCapabilities, request.send);
    });

    this.on(socket, 'connectTransport', connectTransportRequestSchema, async (request) => {
      await joined().peer.connectTransport(request.transportId, request.dtlsParameters);
      return {};
    });

    this.on(socket, 'produce', produceRequestSchema, async (request) => {
      const producerId = await joined().peer.produce(request.transportId, request.rtpParameters as types.RtpParameters);
      return { producerId };
    });

    this.on(socket, 'restartIce', restartIceRequestSchema, async (request) => {
      const iceParameters = await joined().peer.restartIce(request.transportId);
      this.options.onReconnect?.('ice');
      return { iceParameters };
    });

    this.on(socket, 'mute', muteRequestSchema, async (request) => {
      await joined().peer.setMuted(request.muted);
      return {};
    });

    // Moves the socket to the new language's caption audience; the speaker pipelines read the room's
    // languages at each utterance's start, so the next utterance is translated for it.
    this.on(socket, 'setCaptionLanguage', captionLanguageRequestSchema, async ({ reads }) => {
      const { room, peer } = joined();
      if (reads === peer.reads) return {};
      await socket.join(captionAudience(room.id, reads));
      if (state.peer !== peer) {
        socket.leave(captionAudience(room.id, reads));
        throw new SignalingError('You left the room meanwhile; join again.', 409);
      }
      // Read after the await: of two changes under way at once, the later one leaves the earlier's audience.
      const previous = peer.reads;
      peer.setReads(reads);
      if (previous !== reads) socket.leave(captionAudience(room.id, previous));
      log.info({ room: room.id, peer: peer.id, reads }, 'caption language changed');
      return {};
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
    event: RequestEvent,
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

  /** Hands the client a consumer; resolves once it says it is ready for the audio. */
  private async sendConsumer(socket: ParleySocket, consumer: NewConsumer): Promise<void> {
    if (!socket.connected) throw new Error('the client is gone');
    let reply: unknown;
    try {
      reply = await socket.timeout(this.consumerAckTimeoutMs).emitWithAck('newConsumer', newConsumerSchema.parse(consumer));
    } catch {
      throw new Error(`no answer within ${this.consumerAckTimeoutMs / 1000} s`);
    }
    if (typeof reply !== 'object' || reply === null || (reply as { ok?: unknown }).ok !== true) {
      const error = (reply as { error?: unknown } | null)?.error;
      throw new Error(typeof error === 'string' ? `it said: ${error.slice(0, 200)}` : 'the reply was malformed');
    }
  }

  private async leave(socket: ParleySocket, state: SocketState): Promise<void> {
    state.epoch += 1;
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
