import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';
import type { MediaWorkerPool } from '../media/MediaWorkerPool.js';
import { Room } from './Room.js';
import { RosterThrottle, rosterIntervalMs } from './RosterThrottle.js';

export interface RoomRegistryOptions {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  pool: MediaWorkerPool;
  maxParticipants: number;
  consumersPerWorker: number;
  iceConsentTimeoutSeconds?: number;
  log: Logger;
}

/** The rooms this node hosts; a room exists while someone is in it. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private closed = false;

  constructor(private readonly options: RoomRegistryOptions) {}

  getOrCreate(id: string): Room {
    if (this.closed) throw new Error('room registry is closed');
    let room = this.rooms.get(id);
    if (room && !room.isClosed) return room;
    const { io, pool, maxParticipants, consumersPerWorker, iceConsentTimeoutSeconds, log } = this.options;
    room = new Room({ id, maxParticipants, pool, consumersPerWorker, iceConsentTimeoutSeconds, log });
    this.rooms.set(id, room);
    const created = room;
    const roster = new RosterThrottle(
      () => io.to(`room:${id}`).emit('participants', created.participants()),
      () => rosterIntervalMs(created.size),
    );
    created.on('participants', (participants) => {
      if (participants.length > 0) return roster.changed();
      roster.close();
      void this.remove(created);
    });
    created.on('closed', () => roster.close());
    created.on('activeSpeakers', (ids) => io.to(`room:${id}`).emit('activeSpeakers', { ids }));
    return created;
  }

  get(id: string): Room | undefined {
    return this.rooms.get(id);
  }

  get size(): number {
    return this.rooms.size;
  }

  all(): Room[] {
    return [...this.rooms.values()];
  }

  private async remove(room: Room): Promise<void> {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id);
    await room.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    await Promise.allSettled(rooms.map((r) => r.close()));
  }
}
