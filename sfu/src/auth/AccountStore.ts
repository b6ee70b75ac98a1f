import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { User } from '@parley/protocol';
import type { Database } from '../db/schema.js';
import { hashToken } from './hashToken.js';

export interface LiveSession {
  id: string;
  user: User;
  kind: 'web' | 'desktop';
  expiresAtMs: number;
}

/** Users (one per OpenID issuer and subject), their sessions and the desktop app's one-time codes. */
export class AccountStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user an OpenID provider vouched for, created on first sign-in and updated after. */
  async upsertUser(identity: { issuer: string; subject: string; email: string; name: string }): Promise<User> {
    const existing = await this.db
      .selectFrom('users')
      .select('id')
      .where('issuer', '=', identity.issuer)
      .where('subject', '=', identity.subject)
      .executeTakeFirst();
    const id = existing?.id ?? randomUUID();
    await this.db
      .insertInto('users')
      .values({ id, ...identity, created_at: this.now() })
      .onConflict((oc) => oc.columns(['issuer', 'subject']).doUpdateSet({ email: identity.email, name: identity.name }))
      .execute();
    const row = await this.db.selectFrom('users').select(['id', 'name', 'email']).where('issuer', '=', identity.issuer).where('subject', '=', identity.subject).executeTakeFirstOrThrow();
    return row;
  }

  async user(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', id).executeTakeFirst();
  }

  async createSession(userId: string, kind: 'web' | 'desktop', ttlMs: number, refreshToken?: string): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('sessions')
      .values({ id, user_id: userId, kind, created_at: this.now(), expires_at: this.now() + ttlMs, revoked_at: null, refresh_hash: refreshToken ? hashToken(refreshToken) : null })
      .execute();
    return id;
  }

  /** The session and its user while neither revoked nor expired. */
  async liveSession(id: string): Promise<LiveSession | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id as id', 'sessions.kind as kind', 'sessions.expires_at as expires_at', 'users.id as user_id', 'users.name as name', 'users.email as email'])
      .where('sessions.id', '=', id)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', this.now())
      .executeTakeFirst();
    if (!row) return undefined;
    return { id: row.id, kind: row.kind, expiresAtMs: Number(row.expires_at), user: { id: row.user_id, name: row.name, email: row.email } };
  }

  async revokeSession(id: string): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: this.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /**
   * Swaps a desktop refresh token for the next one; the old one never works again. A refresh token
   * presented twice (stolen, or replayed) revokes the whole session.
   */
  async rotateRefreshToken(oldToken: string, newToken: string): Promise<LiveSession | undefined> {
    const oldHash = hashToken(oldToken);
    const session = await this.db.selectFrom('sessions').select(['id']).where('refresh_hash', '=', oldHash).executeTakeFirst();
    if (!session) return undefined;
    const live = await this.liveSession(session.id);
    if (!live) return undefined;
    const updated = await this.db
      .updateTable('sessions')
      .set({ refresh_hash: hashToken(newToken) })
      .where('id', '=', session.id)
      .where('refresh_hash', '=', oldHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return undefined;
    return live;
  }

  /** Revokes the session a refresh token belongs to; returns its id, if there was one. */
  async revokeByRefreshToken(token: string): Promise<string | undefined> {
    const session = await this.db.selectFrom('sessions').select('id').where('refresh_hash', '=', hashToken(token)).executeTakeFirst();
    if (!session) return undefined;
    await this.db.updateTable('sessions').set({ revoked_at: this.now(), refresh_hash: null }).where('id', '=', session.id).execute();
    return session.id;
  }

  async saveDesktopCode(code: string, userId: string, codeChallenge: string, redirectUri: string, ttlMs: number): Promise<void> {
    await this.db
      .insertInto('desktop_codes')
      .values({ code_hash: hashToken(code), user_id: userId, code_challenge: codeChallenge, redirect_uri: redirectUri, expires_at: this.now() + ttlMs, used: 0 })
      .execute();
  }

  /** Marks a code used and returns it, once; a replay, an unknown or an expired code gives undefined. */
  async redeemDesktopCode(code: string): Promise<{ userId: string; codeChallenge: string; redirectUri: string } | undefined> {
    const codeHash = hashToken(code);
    const claimed = await this.db.updateTable('desktop_codes').set({ used: 1 }).where('code_hash', '=', codeHash).where('used', '=', 0).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return undefined;
    const row = await this.db.selectFrom('desktop_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirstOrThrow();
    if (Number(row.expires_at) <= this.now()) return undefined;
    return { userId: row.user_id, codeChallenge: row.code_challenge, redirectUri: row.redirect_uri };
  }
}
