import type { Logger } from 'pino';
import { hostRequestSchema, type Ack, type JoinRequest } from '@parley/protocol';
import { SignalingError } from '../errors.js';
import type { ParleySocket } from '../signaling/SignalingServer.js';
import type { Peer } from './Peer.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';
import { socketIdentity } from '../auth/SocketAuth.js';
import { KeyedRateLimiter } from '../http/KeyedRateLimiter.js';
import type { RoomStore } from './RoomStore.js';

export interface RoomAccessOptions {
  /** Undefined with AUTH=off: rooms are open to anyone with the name, as guests. */
  store: () => RoomStore | undefined;
  /** Undefined until the sfu's media is up. */
  rooms: () => RoomRegistry | undefined;
  log: Logger;
  joinBurst: number;
  joinsPerSecond: number;
}

interface Seat {
  socket: ParleySocket;
  peer: Peer;
  room: Room;
  userId: string | null;
}

/**
 * Who may enter a room (called before a peer is created) and what its owner may do to it: lock
 * it, remove someone (who may not come back), mute someone.
 */
export class RoomAccess {
  private readonly joinRate: KeyedRateLimiter;
  /** Everyone in a room on this node, by participant id. */
  private readonly seats = new Map<string, Seat>();

  constructor(private readonly options: RoomAccessOptions) {
    this.joinRate = new KeyedRateLimiter(options.joinBurst, options.joinsPerSecond);
  }

  /** Throws a SignalingError with the reason a person can act on. */
  readonly admit = async (socket: ParleySocket, request: JoinRequest): Promise<void> => {
    const identity = socketIdentity(socket);
    if (!this.joinRate.take(identity.userId ?? identity.ip)) throw new SignalingError('Too many join attempts; wait a few seconds and try again.', 429);
    const store = this.options.store();
    if (!store) return;
    if (!identity.userId) throw new SignalingError('Sign in to join rooms on this server.', 401);
    let room = await store.get(request.room);
    if (!room) {
      // A room nobody created yet becomes a public room owned by whoever opens it first.
      await store.create(request.room, identity.userId, 'public', null);
      room = await store.get(request.room);
      if (!room) throw new SignalingError('The room could not be opened; try again.', 500);
    }
    const membership = await store.membership(room.id, identity.userId);
    const isOwner = room.owner_id === identity.userId;
    if (membership?.removed) throw new SignalingError('The host removed you from this room.', 403);
    if (!isOwner) {
      if (room.visibility === 'private' && !membership) throw new SignalingError('This room is private; ask its owner for an invite link.', 403);
      if (room.locked) throw new SignalingError('The host has locked this room; nobody new can join.', 423);
      const inRoom = this.options.rooms()?.get(room.id)?.size ?? 0;
      if (room.capacity !== null && inRoom >= room.capacity) throw new SignalingError(`This room is full (${room.capacity} people).`, 403);
    }
    if (!membership) await store.addMember(room.id, identity.userId);
  };

  readonly onJoined = (socket: ParleySocket, room: Room, peer: Peer): void => {
    this.seats.set(peer.id, { socket, peer, room, userId: socketIdentity(socket).userId });
    peer.once('closed', () => {
      if (this.seats.get(peer.id)?.peer === peer) this.seats.delete(peer.id);
    });
  };

  /** Registers the `host` event on a new socket. */
  attach(socket: ParleySocket): void {
    socket.on('host', (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        socket.emit('fatal', { message: '"host" needs an acknowledgement callback.' });
        socket.disconnect(true);
        return;
      }
      const reply = ack as (r: Ack<object>) => void;
      this.host(socket, payload).then(
        () => reply({ ok: true }),
        (error: unknown) => {
          if (!(error instanceof SignalingError)) this.options.log.error({ err: error }, 'host control failed');
          reply({ ok: false, error: error instanceof SignalingError ? error.message : 'The server could not do that; try again.' });
        },
      );
    });
  }

  private async host(socket: ParleySocket, payload: unknown): Promise<void> {
    const parsed = hostRequestSchema.safeParse(payload);
    if (!parsed.success) throw new SignalingError(`Invalid host request: ${parsed.error.issues[0]?.message ?? 'bad payload'}`, 400);
    const store = this.options.store();
    if (!store) throw new SignalingError('Host controls need sign-in (AUTH=oidc) on this server.', 403);
    const self = [...this.seats.values()].find((s) => s.socket === socket);
    if (!self) throw new SignalingError('Join the room first.', 409);
    const room = await store.get(self.room.id);
    if (!room || room.owner_id !== self.userId) throw new SignalingError('Only the room’s owner can do that.', 403);
    const request = parsed.data;
    if (request.action === 'lock') {
      await store.setLocked(room.id, request.locked);
      return;
    }
    const target = this.seats.get(request.participantId);
    if (!target || target.room !== self.room) throw new SignalingError('That person is not in this room.', 404);
    if (request.action === 'mute') {
      await target.peer.setMuted(true);
      target.socket.emit('mutedByHost');
      return;
    }
    if (target.userId === room.owner_id) throw new SignalingError('The owner cannot be removed.', 403);
    if (target.userId) await store.removeMember(room.id, target.userId);
    this.seats.delete(request.participantId);
    target.socket.emit('fatal', { message: 'The host removed you from this room.' });
    target.socket.disconnect(true);
  }
}
