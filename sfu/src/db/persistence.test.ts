import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS, transcriptEntryFields, type TranscriptEntry } from '@parley/protocol/streams';
import { PostgresServer } from '../../../scripts/lib/test-support/PostgresServer.js';
import { AccountStore } from '../auth/AccountStore.js';
import { RoomStore } from '../rooms/RoomStore.js';
import { TranscriptRetention } from '../transcripts/TranscriptRetention.js';
import { CursorError, TranscriptStore } from '../transcripts/TranscriptStore.js';
import { TranscriptWriter } from '../transcripts/TranscriptWriter.js';
import { databaseTarget, openDatabase } from './openDatabase.js';
import type { Database } from './schema.js';

const log = pino({ level: 'silent' });

function entry(n: number, overrides: Partial<TranscriptEntry> = {}): TranscriptEntry {
  const room = overrides.room ?? 'kept';
  return {
    utteranceId: `${room}-utt-${n}`,
    room,
    speakerId: 'p1',
    speakerName: 'Sam',
    seq: 5,
    srcLang: 'en',
    text: `sentence ${n}`,
    translations: { es: `frase ${n}`, fr: `phrase ${n}` },
    sttEngine: 'pocketsphinx',
    mtEngines: { es: 'apertium', fr: 'apertium' },
    startedAtMs: 1_000 * n,
    audioEndAtMs: 1_000 * n + 500,
    ...overrides,
  };
}

it('reads DATABASE_URL: SQLite by default, Postgres by scheme, and refuses anything else', () => {
  expect(databaseTarget(undefined)).toMatchObject({ kind: 'sqlite' });
  expect(databaseTarget(undefined).location).toMatch(/data\/parley\.db$/);
  expect(databaseTarget('sqlite:/tmp/x.db')).toEqual({ kind: 'sqlite', location: '/tmp/x.db' });
  expect(databaseTarget('postgres://u@h/db')).toEqual({ kind: 'postgres', location: 'postgres://u@h/db' });
  expect(() => databaseTarget('mysql://u@h/db')).toThrow(/must start with postgres/);
  expect(() => databaseTarget('sqlite:')).toThrow(/needs a file name/);
});

const backends: { name: string; redisDb: number; setup: () => Promise<{ url: string; stop: () => Promise<void> }> }[] = [
  {
    name: 'SQLite',
    redisDb: 11,
    setup: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
      return { url: `sqlite:${join(dir, 'parley.db')}`, stop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'Postgres (a real server started by the test)',
    redisDb: 12,
    setup: async () => {
      const server = await new PostgresServer().start();
      return { url: await server.createDatabase('parley_test'), stop: () => server.stop() };
    },
  },
];

describe.each(backends)('persistence on $name', ({ setup, redisDb }) => {
  let db: Kysely<Database>;
  let url: string;
  let stop: () => Promise<void>;
  let clockMs = 1_700_000_000_000;
  const now = () => clockMs;

  beforeAll(async () => {
    ({ url, stop } = await setup());
    // Two processes opening one fresh database at once (the sfu and the transcript writer).
    const [a, b] = await Promise.all([openDatabase(url), openDatabase(url)]);
    await b.destroy();
    db = a;
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await stop?.();
  });

  it('applies the migrations once; opening again changes nothing', async () => {
    const again = await openDatabase(url);
    const applied = await again.selectFrom('kysely_migration' as never).selectAll().execute();
    expect(applied).toHaveLength(1);
    await again.destroy();
  });

  it('keeps one user per issuer and subject; sessions live until revoked or expired', async () => {
    const accounts = new AccountStore(db, now);
    const ana = await accounts.upsertUser({ issuer: 'https://idp', subject: 's1', email: 'ana@x.test', name: 'Ana' });
    const again = await accounts.upsertUser({ issuer: 'https://idp', subject: 's1', email: 'ana@y.test', name: 'Ana B' });
    expect(again).toEqual({ id: ana.id, email: 'ana@y.test', name: 'Ana B' });
    const other = await accounts.upsertUser({ issuer: 'https://other', subject: 's1', email: 'ana@x.test', name: 'Ana' });
    expect(other.id).not.toBe(ana.id);

    const sid = await accounts.createSession(ana.id, 'web', 60_000);
    expect((await accounts.liveSession(sid))?.user.id).toBe(ana.id);
    clockMs += 61_000;
    expect(await accounts.liveSession(sid)).toBeUndefined();
    const sid2 = await accounts.createSession(ana.id, 'web', 60_000);
    await accounts.revokeSession(sid2);
    expect(await accounts.liveSession(sid2)).toBeUndefined();

    const desktop = await accounts.createSession(ana.id, 'desktop', 60_000, 'refresh-1');
    const stored = await db.selectFrom('sessions').select('refresh_hash').where('id', '=', desktop).executeTakeFirstOrThrow();
    expect(stored.refresh_hash).not.toContain('refresh-1');
    expect((await accounts.rotateRefreshToken('refresh-1', 'refresh-2'))?.id).toBe(desktop);
    expect(await accounts.rotateRefreshToken('refresh-1', 'refresh-3')).toBeUndefined();
    expect(await accounts.revokeByRefreshToken('refresh-2')).toBe(desktop);
    expect(await accounts.liveSession(desktop)).toBeUndefined();

    await accounts.saveDesktopCode('code-1', ana.id, 'challenge', 'http://127.0.0.1:5000/callback', 60_000);
    expect(await accounts.redeemDesktopCode('code-1')).toEqual({ userId: ana.id, codeChallenge: 'challenge', redirectUri: 'http://127.0.0.1:5000/callback' });
    expect(await accounts.redeemDesktopCode('code-1')).toBeUndefined();
    await accounts.saveDesktopCode('code-2', ana.id, 'challenge', 'http://127.0.0.1:5000/callback', 60_000);
    clockMs += 60_001;
    expect(await accounts.redeemDesktopCode('code-2')).toBeUndefined();
  });

  it('keeps rooms with owners, members, removals and invites', async () => {
    const accounts = new AccountStore(db, now);
    const rooms = new RoomStore(db, now);
    const owner = await accounts.upsertUser({ issuer: 'i', subject: 'owner', email: 'o@x.test', name: 'O' });
    const guest = await accounts.upsertUser({ issuer: 'i', subject: 'guest', email: 'g@x.test', name: 'G' });
    expect(await rooms.create('team', owner.id, 'private', 5)).toBe(true);
    expect(await rooms.create('team', guest.id, 'public', null)).toBe(false);
    expect(await rooms.get('team')).toMatchObject({ owner_id: owner.id, visibility: 'private', locked: false, capacity: 5 });
    expect(await rooms.membership('team', owner.id)).toEqual({ role: 'owner', removed: false });
    expect(await rooms.membership('team', guest.id)).toBeUndefined();

    const invite = await rooms.createInvite('team', owner.id, 3_600_000);
    const stored = await db.selectFrom('invites').select('token_hash').executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toBe(invite.token);
    expect(await rooms.acceptInvite(invite.token, guest.id)).toEqual({ room: 'team', removed: false });
    expect((await rooms.roomsOf(guest.id)).map((r) => [r.room, r.role])).toEqual([['team', 'member']]);
    await rooms.removeMember('team', guest.id);
    await rooms.addMember('team', guest.id);
    expect(await rooms.membership('team', guest.id)).toEqual({ role: 'member', removed: true });
    expect(await rooms.acceptInvite(invite.token, guest.id)).toEqual({ room: 'team', removed: true });
    expect(await rooms.roomsOf(guest.id)).toEqual([]);
    await rooms.removeMember('team', owner.id);
    expect(await rooms.membership('team', owner.id)).toEqual({ role: 'owner', removed: false });
    await rooms.setLocked('team', true);
    expect((await rooms.get('team'))?.locked).toBe(true);
    clockMs += 3_600_001;
    expect(await rooms.acceptInvite(invite.token, owner.id)).toBeUndefined();
  });

  it('stores each utterance once: a repeat changes nothing, a higher seq replaces text and translations', async () => {
    const store = new TranscriptStore(db, now);
    expect(await store.store(entry(1))).toBe(true);
    expect(await store.store(entry(1))).toBe(false);
    expect(await store.store(entry(1, { seq: 3, text: 'older' }))).toBe(false);
    expect(await store.store(entry(1, { seq: 7, text: 'newer', translations: { es: 'más nueva' }, mtEngines: { es: 'marian' } }))).toBe(true);
    const page = await store.page('kept', { limit: 10 });
    expect(page.segments).toHaveLength(1);
    expect(page.segments[0]).toMatchObject({ text: 'newer', translations: { es: 'más nueva' } });
    expect((await store.page('kept', { lang: 'es', limit: 10 })).segments[0]).toMatchObject({ lang: 'es', text: 'más nueva', engine: 'pocketsphinx+marian' });
    expect((await store.page('kept', { lang: 'fr', limit: 10 })).segments[0]).toMatchObject({ lang: 'en', text: 'newer' });
    expect(await store.deleteRoom('kept')).toBe(1);
    expect(await db.selectFrom('transcript_translations').selectAll().execute()).toEqual([]);
  });

  it('pages a transcript in speaking order, refuses a forged cursor, and deletes past retention', async () => {
    const store = new TranscriptStore(db, now);
    for (const n of [3, 1, 5, 2, 4]) await store.store(entry(n, { room: 'paged' }));
    const first = await store.page('paged', { limit: 2 });
    const second = await store.page('paged', { limit: 2, after: first.next! });
    const third = await store.page('paged', { limit: 2, after: second.next! });
    expect([...first.segments, ...second.segments, ...third.segments].map((s) => s.text)).toEqual([1, 2, 3, 4, 5].map((n) => `sentence ${n}`));
    expect(third.next).toBeNull();
    await expect(store.page('paged', { limit: 2, after: 'bogus' })).rejects.toBeInstanceOf(CursorError);
    const later = 400 * 86_400_000;
    clockMs += later;
    await store.store(entry(6, { room: 'paged' }));
    const retention = new TranscriptRetention(store, 365, log, now);
    expect(await retention.sweep()).toBe(5);
    expect((await store.page('paged', { limit: 10 })).segments.map((s) => s.text)).toEqual(['sentence 6']);
  });

  it('writes the durable stream exactly once across a writer that died holding entries', async () => {
    const redis = new Redis(inject('redisUrl'), { db: redisDb });
    await redis.flushdb();
    const store = new TranscriptStore(db, now);
    await redis.xgroup('CREATE', REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript, '0', 'MKSTREAM');
    for (let n = 1; n <= 6; n++) await redis.xadd(REDIS_KEYS.transcript, '*', ...transcriptEntryFields(entry(n, { room: 'stream' })));
    await redis.xadd(REDIS_KEYS.transcript, '*', ...transcriptEntryFields(entry(3, { room: 'stream' })));
    await redis.xadd(REDIS_KEYS.transcript, '*', 'utteranceId', 'bad id!', 'room', 'stream');
    // A writer that read three entries and died before storing or acknowledging them.
    await redis.xreadgroup('GROUP', CONSUMER_GROUPS.transcript, 'dead-writer', 'COUNT', 3, 'STREAMS', REDIS_KEYS.transcript, '>');

    const writer = new TranscriptWriter({ redis: redis.duplicate(), store, consumer: 'live-writer', log, claimIdleMs: 300, blockMs: 100 });
    await writer.start();
    await expect.poll(async () => (await redis.xpending(REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript))[0], { timeout: 15_000 }).toBe(0);
    await writer.close();
    const texts = (await store.page('stream', { limit: 100 })).segments.map((s) => [s.text, s.translations.es]);
    expect(texts).toEqual([1, 2, 3, 4, 5, 6].map((n) => [`sentence ${n}`, `frase ${n}`]));
    expect(writer.deadLettered).toBe(1);
    expect(await redis.xlen(REDIS_KEYS.deadLetter)).toBe(1);
    redis.disconnect();
  });
});
