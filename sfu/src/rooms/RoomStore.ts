import type { Kysely } from 'kysely';
import type { RoomSummary, RoomVisibility } from '@parley/protocol';
import type { Database, RoomsTable } from '../db/schema.js';
import { hashToken, randomToken } from '../auth/hashToken.js';

export type RoomRecord = Omit<RoomsTable, 'locked'> & { locked: boolean };
export type Membership = { role: 'owner' | 'member'; removed: boolean };

/** Rooms with owners, their members (and who was removed) and invite links. */
export class RoomStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a room owned by `ownerId`; false if the name is taken. */
  async create(room: string, ownerId: string, visibility: RoomVisibility, capacity: number | null): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('rooms')
        .values({ id: room, owner_id: ownerId, visibility, locked: 0, capacity, created_at: this.now() })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      if (inserted.length !== 1) return false;
      await trx.insertInto('memberships').values({ room_id: room, user_id: ownerId, role: 'owner', removed: 0, created_at: this.now() }).execute();
      return true;
    });
  }

  async get(room: string): Promise<RoomRecord | undefined> {
    const row = await this.db.selectFrom('rooms').selectAll().where('id', '=', room).executeTakeFirst();
    return row ? { ...row, locked: row.locked === 1, capacity: row.capacity === null ? null : Number(row.capacity) } : undefined;
  }

  async membership(room: string, userId: string): Promise<Membership | undefined> {
    const row = await this.db.selectFrom('memberships').select(['role', 'removed']).where('room_id', '=', room).where('user_id', '=', userId).executeTakeFirst();
    return row ? { role: row.role, removed: row.removed === 1 } : undefined;
  }

  /** Records that a user is in a room (joined a public one, or accepted an invite); a removed member stays removed. */
  async addMember(room: string, userId: string): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values({ room_id: room, user_id: userId, role: 'member', removed: 0, created_at: this.now() })
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
      .execute();
  }

  /** The host removed this user: they may not join or read the room again (the owner cannot be removed). */
  async removeMember(room: string, userId: string): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values({ room_id: room, user_id: userId, role: 'member', removed: 1, created_at: this.now() })
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ removed: 1 }).where('memberships.role', '=', 'member'))
      .execute();
  }

  async setLocked(room: string, locked: boolean): Promise<void> {
    await this.db.updateTable('rooms').set({ locked: locked ? 1 : 0 }).where('id', '=', room).execute();
  }

  async roomsOf(userId: string): Promise<RoomSummary[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('rooms', 'rooms.id', 'memberships.room_id')
      .select(['rooms.id as id', 'rooms.visibility as visibility', 'rooms.locked as locked', 'rooms.capacity as capacity', 'rooms.created_at as created_at', 'memberships.role as role'])
      .where('memberships.user_id', '=', userId)
      .where('memberships.removed', '=', 0)
      .orderBy('rooms.created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      room: r.id,
      visibility: r.visibility,
      role: r.role,
      locked: r.locked === 1,
      capacity: r.capacity === null ? null : Number(r.capacity),
      createdAtMs: Number(r.created_at),
    }));
  }

  /** A new invite link's token (only its hash is stored). */
  async createInvite(room: string, createdBy: string, ttlMs: number): Promise<{ token: string; expiresAtMs: number }> {
    const token = randomToken();
    const expiresAtMs = this.now() + ttlMs;
    await this.db.insertInto('invites').values({ token_hash: hashToken(token), room_id: room, created_by: createdBy, created_at: this.now(), expires_at: expiresAtMs }).execute();
    return { token, expiresAtMs };
  }

  /** Makes the user a member of the invite's room; undefined for an unknown or expired invite. */
  async acceptInvite(token: string, userId: string): Promise<{ room: string; removed: boolean } | undefined> {
    const invite = await this.db.selectFrom('invites').select(['room_id', 'expires_at']).where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!invite || Number(invite.expires_at) <= this.now()) return undefined;
    await this.addMember(invite.room_id, userId);
    const membership = await this.membership(invite.room_id, userId);
    return { room: invite.room_id, removed: membership?.removed ?? false };
  }
}
