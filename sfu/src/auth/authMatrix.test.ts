import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, ClientToServerEvents, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { freePort } from '../../../scripts/lib/freePort.js';
import { signInOverHttp, type SignedInClient } from '../../../scripts/lib/test-support/HttpSignIn.js';
import { OidcTestProvider } from '../../../scripts/lib/test-support/OidcTestProvider.js';
import { loadSfuConfig } from '../config.js';
import { openDatabase } from '../db/openDatabase.js';
import { SfuServer } from '../SfuServer.js';
import { SocketTokens, parseSigningKeys } from './SocketTokens.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Every row is a real attempt against a running sfu signed in through a real OpenID provider process. */
describe('auth matrix (AUTH=oidc, real OpenID provider process, real sockets and HTTP)', () => {
  const provider = new OidcTestProvider();
  let server: SfuServer;
  let url: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let alice: SignedInClient;
  let bob: SignedInClient;
  let carol: SignedInClient;
  const sockets: ClientSocket[] = [];
  /** Every join the server accepted, by who made it: checked against who was allowed at the end. */
  const acceptedJoins: { user: string; room: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-authmatrix-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await provider.start([url]);
    env = provider.parleyEnv();
    const config = loadSfuConfig({ ...env, REDIS_URL: `${inject('redisUrl')}/10`, RTC_LISTEN_IP: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`, LOG_LEVEL: 'silent' });
    server = new SfuServer(config, pino({ level: 'silent' }));
    await server.listen(port, '127.0.0.1');
    [alice, bob, carol] = await Promise.all([signInOverHttp(url, 'alice'), signInOverHttp(url, 'bob'), signInOverHttp(url, 'carol')]);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server?.close();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function connect(token: string | undefined, origin = url): ClientSocket {
    const socket: ClientSocket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin }, auth: token ? { token } : {} });
    sockets.push(socket);
    return socket;
  }

  /** Resolves with the server's refusal message, or 'connected'. */
  function connectOutcome(socket: ClientSocket): Promise<string> {
    return new Promise((resolve) => {
      if (socket.connected) return resolve('connected');
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
    });
  }

  async function joinAs(client: SignedInClient, name: string, room: string): Promise<{ socket: ClientSocket; reply: Ack<JoinReply> }> {
    const socket = connect(await client.socketToken());
    expect(await connectOutcome(socket)).toBe('connected');
    const reply = await new Promise<Ack<JoinReply>>((resolve) => socket.emit('join', { room, name, speaks: 'en', reads: 'en' }, (r) => resolve(r as Ack<JoinReply>)));
    if (reply.ok) acceptedJoins.push({ user: client.userId, room });
    return { socket, reply };
  }

  function tokensSignedWith(keys: string, ttlSeconds = 300): SocketTokens {
    return new SocketTokens(parseSigningKeys(keys), ttlSeconds, 'parley', 'parley:socket');
  }

  async function sessionOf(client: SignedInClient): Promise<string> {
    const claims = await tokensSignedWith(env.TOKEN_SIGNING_KEYS!).verify(await client.socketToken());
    return claims.sessionId;
  }

  it('refuses a socket with no token', async () => {
    expect(await connectOutcome(connect(undefined))).toMatch(/Sign in to use Parley/);
  });

  it('refuses an expired token', async () => {
    const expired = await tokensSignedWith(env.TOKEN_SIGNING_KEYS!, -60).issue({ id: alice.userId, name: 'Alice' }, await sessionOf(alice));
    expect(await connectOutcome(connect(expired.token))).toMatch(/expired/);
  });

  it('closes a connection whose token expires unrenewed, and keeps one that renews it', async () => {
    const shortLived = tokensSignedWith(env.TOKEN_SIGNING_KEYS!, 2);
    const lapsing = connect((await shortLived.issue({ id: alice.userId, name: 'Alice' }, await sessionOf(alice))).token);
    const renewing = connect((await shortLived.issue({ id: alice.userId, name: 'Alice' }, await sessionOf(alice))).token);
    expect(await connectOutcome(lapsing)).toBe('connected');
    expect(await connectOutcome(renewing)).toBe('connected');
    const renewed = await new Promise<Ack<{ expiresAtMs: number }>>((resolve) => renewing.emit('refreshToken', { token: '' }, resolve));
    expect(renewed.ok).toBe(false);
    const fresh = await alice.socketToken();
    expect(await new Promise<Ack<{ expiresAtMs: number }>>((resolve) => renewing.emit('refreshToken', { token: fresh }, resolve))).toMatchObject({ ok: true });
    const closed = await new Promise<string>((resolve) => lapsing.once('fatal', (e) => resolve(e.message)));
    expect(closed).toMatch(/expired and was not renewed/);
    await new Promise((r) => setTimeout(r, 500));
    expect(renewing.connected).toBe(true);
  });

  it('refuses a forged signature', async () => {
    const forged = await tokensSignedWith(`k2:${randomBytes(32).toString('base64')}`).issue({ id: alice.userId, name: 'Alice' }, await sessionOf(alice));
    expect(await connectOutcome(connect(forged.token))).toMatch(/not valid/);
    const valid = await alice.socketToken();
    const tampered = `${valid.slice(0, -4)}${valid.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(await connectOutcome(connect(tampered))).toMatch(/not valid/);
  });

  it('refuses a token signed with a retired key, and accepts one from the older key still listed', async () => {
    const retired = await tokensSignedWith(`k0:${randomBytes(32).toString('base64')}`).issue({ id: alice.userId, name: 'Alice' }, await sessionOf(alice));
    expect(await connectOutcome(connect(retired.token))).toMatch(/no longer accepts/);
    const olderKey = env.TOKEN_SIGNING_KEYS!.split(',')[1]!;
    const rotated = await tokensSignedWith(olderKey).issue({ id: alice.userId, name: 'Alice' }, await sessionOf(alice));
    expect(await connectOutcome(connect(rotated.token))).toBe('connected');
  });

  it('refuses a token for another user: a mixed-up session, and a refresh with someone else’s token', async () => {
    const mixed = await tokensSignedWith(env.TOKEN_SIGNING_KEYS!).issue({ id: bob.userId, name: 'Bob' }, await sessionOf(alice));
    expect(await connectOutcome(connect(mixed.token))).toMatch(/session has ended/);
    const socket = connect(await alice.socketToken());
    expect(await connectOutcome(socket)).toBe('connected');
    const reply = await new Promise<Ack<object>>((resolve) => socket.emit('refreshToken', { token: '' }, resolve));
    expect(reply).toMatchObject({ ok: false });
    const bobToken = await bob.socketToken();
    const refused = await new Promise<Ack<object>>((resolve) => socket.emit('refreshToken', { token: bobToken }, resolve));
    expect(refused).toEqual({ ok: false, error: 'That token belongs to another sign-in; reconnect instead.' });
  });

  it('refuses a wrong Origin on the socket and on HTTP', async () => {
    expect(await connectOutcome(connect(await alice.socketToken(), 'http://evil.example'))).not.toBe('connected');
    const response = await alice.fetch('/api/rooms', { method: 'POST', json: { room: 'evil', visibility: 'public' }, headers: { origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/origin/);
  });

  it('refuses a guest when auth is on: no socket token, no API', async () => {
    const guest = await fetch(`${url}/api/socket-token`);
    expect(guest.status).toBe(401);
    expect(await guest.json()).toEqual({ error: 'Sign in first.' });
    expect((await fetch(`${url}/api/rooms`)).status).toBe(401);
    expect((await fetch(`${url}/api/rooms/anything/transcript`)).status).toBe(401);
    expect((await fetch(`${url}/api/rooms/anything/transcript/export?format=srt`)).status).toBe(401);
    expect((await fetch(`${url}/api/engines`)).status).toBe(401);
    expect(await fetch(`${url}/api/me`).then((r) => r.json())).toEqual({ auth: 'oidc', user: null, csrfToken: null });
  });

  it('refuses state-changing requests without the CSRF token', async () => {
    const response = await alice.fetch('/api/rooms', { method: 'POST', json: { room: 'no-csrf', visibility: 'private' }, noCsrf: true });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/CSRF/);
    const wrong = await alice.fetch('/api/rooms', { method: 'POST', json: { room: 'no-csrf', visibility: 'private' }, headers: { 'x-csrf-token': bob.csrfToken } });
    expect(wrong.status).toBe(403);
  });

  it('keeps private rooms to their owner and invited people; removal and locking hold', async () => {
    expect((await alice.fetch('/api/rooms', { method: 'POST', json: { room: 'alice-private', visibility: 'private' } })).status).toBe(201);
    expect((await bob.fetch('/api/rooms', { method: 'POST', json: { room: 'alice-private', visibility: 'public' } })).status).toBe(409);

    const bobUninvited = await joinAs(bob, 'Bob', 'alice-private');
    expect(bobUninvited.reply).toEqual({ ok: false, error: 'This room is private; ask its owner for an invite link.' });
    const notOwner = await bob.fetch('/api/rooms/alice-private/invites', { method: 'POST' });
    expect(notOwner.status).toBe(403);

    const host = await joinAs(alice, 'Alice', 'alice-private');
    expect(host.reply.ok).toBe(true);
    const invite = (await (await alice.fetch('/api/rooms/alice-private/invites', { method: 'POST' })).json()) as { url: string };
    const token = invite.url.split('/invite/')[1]!;
    expect((await bob.fetch(`/api/invites/${token}/accept`, { method: 'POST' })).status).toBe(200);
    const bobIn = await joinAs(bob, 'Bob', 'alice-private');
    expect(bobIn.reply.ok).toBe(true);

    // Host controls: only the owner, and they take effect.
    const bobTriesLock = await new Promise<Ack<object>>((resolve) => bobIn.socket.emit('host', { action: 'lock', locked: true }, resolve));
    expect(bobTriesLock).toEqual({ ok: false, error: 'Only the room’s owner can do that.' });
    const bobPeer = bobIn.reply.ok ? bobIn.reply.peerId : '';
    const muted = new Promise<void>((resolve) => bobIn.socket.once('mutedByHost', () => resolve()));
    expect(await new Promise<Ack<object>>((resolve) => host.socket.emit('host', { action: 'mute', participantId: bobPeer }, resolve))).toEqual({ ok: true });
    await muted;
    const removed = new Promise<string>((resolve) => bobIn.socket.once('fatal', (e) => resolve(e.message)));
    expect(await new Promise<Ack<object>>((resolve) => host.socket.emit('host', { action: 'remove', participantId: bobPeer }, resolve))).toEqual({ ok: true });
    expect(await removed).toBe('The host removed you from this room.');

    const bobAgain = await joinAs(bob, 'Bob', 'alice-private');
    expect(bobAgain.reply).toEqual({ ok: false, error: 'The host removed you from this room.' });
    expect((await bob.fetch('/api/rooms/alice-private/transcript')).status).toBe(403);
    expect((await bob.fetch(`/api/invites/${token}/accept`, { method: 'POST' })).status).toBe(403);

    // Locked: even an invited person stays out.
    expect((await carol.fetch(`/api/invites/${token}/accept`, { method: 'POST' })).status).toBe(200);
    expect(await new Promise<Ack<object>>((resolve) => host.socket.emit('host', { action: 'lock', locked: true }, resolve))).toEqual({ ok: true });
    const carolLocked = await joinAs(carol, 'Carol', 'alice-private');
    expect(carolLocked.reply).toEqual({ ok: false, error: 'The host has locked this room; nobody new can join.' });
  });

  it('refuses the transcript of a room I am not in, and lets members and owners read and delete', async () => {
    expect((await carol.fetch('/api/rooms', { method: 'POST', json: { room: 'carol-room', visibility: 'public' } })).status).toBe(201);
    const outsider = await bob.fetch('/api/rooms/carol-room/transcript');
    expect(outsider.status).toBe(403);
    expect(await outsider.json()).toEqual({ error: 'Only members of this room can read its transcript.' });
    expect((await carol.fetch('/api/rooms/carol-room/transcript')).status).toBe(200);
    expect((await bob.fetch('/api/rooms/carol-room/transcript/export?format=vtt')).status).toBe(403);
    const exported = await carol.fetch('/api/rooms/carol-room/transcript/export?format=vtt&lang=es');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toBe('attachment; filename="carol-room-es.vtt"');
    expect(await exported.text()).toBe('WEBVTT - Parley transcript: carol-room (Español)\n');
    expect((await carol.fetch('/api/engines')).status).toBe(200);
    expect((await bob.fetch('/api/rooms/carol-room/transcript', { method: 'DELETE' })).status).toBe(403);
    expect(await (await carol.fetch('/api/rooms/carol-room/transcript', { method: 'DELETE' })).json()).toEqual({ deleted: 0 });
  });

  describe('desktop sign-in (RFC 8252 loopback redirect with PKCE)', () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://127.0.0.1:49152/callback';

    async function authorize(client: SignedInClient | undefined, params: Record<string, string>): Promise<Response> {
      const query = new URLSearchParams({ redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz', ...params });
      const path = `/auth/desktop/authorize?${query}`;
      return client ? client.fetch(path) : fetch(`${url}${path}`, { redirect: 'manual' });
    }

    async function codeFor(client: SignedInClient): Promise<string> {
      const response = await authorize(client, {});
      expect(response.status).toBe(302);
      const target = new URL(response.headers.get('location')!);
      expect(`${target.origin}${target.pathname}`).toBe(redirectUri);
      expect(target.searchParams.get('state')).toBe('xyz');
      return target.searchParams.get('code')!;
    }

    function token(body: unknown): Promise<Response> {
      return fetch(`${url}/api/desktop/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    }

    it('sends a browser with no session through sign-in, and refuses redirect URIs that are not loopback', async () => {
      const anonymous = await authorize(undefined, {});
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get('location')).toMatch(/^\/auth\/signin\?callbackUrl=%2Fauth%2Fdesktop%2Fauthorize/);
      // The normal sign-in page, which comes back to the desktop authorization afterwards.
      const page = await fetch(`${url}${anonymous.headers.get('location')}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('/auth/signin/google');
      expect(html).toContain('/auth/desktop/authorize');
      for (const bad of ['http://evil.example:8080/callback', 'http://localhost:8080/callback', 'https://127.0.0.1:8080/callback', 'http://127.0.0.1:8080/other']) {
        expect((await authorize(alice, { redirect_uri: bad })).status).toBe(400);
      }
      expect((await authorize(alice, { code_challenge_method: 'plain' })).status).toBe(400);
    });

    it('redeems a code once, with the right verifier and redirect_uri, then rotates and revokes refresh tokens', async () => {
      const wrongVerifier = await codeFor(alice);
      expect((await token({ grant_type: 'authorization_code', code: wrongVerifier, code_verifier: randomBytes(32).toString('base64url'), redirect_uri: redirectUri })).status).toBe(400);
      const wrongRedirect = await codeFor(alice);
      expect((await token({ grant_type: 'authorization_code', code: wrongRedirect, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:49153/callback' })).status).toBe(400);

      const code = await codeFor(alice);
      const first = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });
      expect(first.status).toBe(200);
      const tokens = (await first.json()) as { access_token: string; refresh_token: string; expires_in: number; user: { id: string; email: string } };
      expect(tokens.user).toMatchObject({ id: alice.userId, email: 'alice@example.test' });
      expect(tokens.expires_in).toBeLessThanOrEqual(600);
      const replay = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as { error: string }).error).toMatch(/used already or expired/);

      // The desktop window gets the normal session cookie from its access token.
      const session = await fetch(`${url}/api/desktop/session`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(session.status).toBe(200);
      const cookie = session.headers.getSetCookie().find((c) => c.startsWith('authjs.session-token='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      const me = (await (await fetch(`${url}/api/me`, { headers: { cookie: cookie.split(';')[0]! } })).json()) as { user: { id: string } };
      expect(me.user.id).toBe(alice.userId);
      expect((await fetch(`${url}/api/desktop/session`, { method: 'POST', headers: { authorization: `Bearer ${await alice.socketToken()}` } })).status).toBe(401);

      const rotated = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(rotated.status).toBe(200);
      const next = (await rotated.json()) as { refresh_token: string };
      expect((await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(400);
      expect((await fetch(`${url}/api/desktop/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: next.refresh_token }) })).status).toBe(200);
      expect((await token({ grant_type: 'refresh_token', refresh_token: next.refresh_token })).status).toBe(400);
      expect((await fetch(`${url}/api/me`, { headers: { cookie: cookie.split(';')[0]! } }).then((r) => r.json())) as { user: unknown }).toMatchObject({ user: null });
    });

    it('issues codes that live 60 seconds at most, and refuses an expired one', async () => {
      const beforeMs = Date.now();
      const code = await codeFor(alice);
      const afterMs = Date.now();
      const db = await openDatabase(`sqlite:${join(dir, 'parley.db')}`);
      const fresh = await db.selectFrom('desktop_codes').select('expires_at').where('used', '=', 0).execute();
      expect(fresh).toHaveLength(1);
      // Issued at some moment between beforeMs and afterMs, for 60 s.
      expect(Number(fresh[0]!.expires_at)).toBeGreaterThanOrEqual(beforeMs + 60_000);
      expect(Number(fresh[0]!.expires_at)).toBeLessThanOrEqual(afterMs + 60_000);
      await db.updateTable('desktop_codes').set({ expires_at: Date.now() - 1 }).where('used', '=', 0).execute();
      await db.destroy();
      expect((await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri })).status).toBe(400);
    });
  });

  it('closes the sockets of a session that signs out, and refuses its tokens afterwards', async () => {
    const dave = await signInOverHttp(url, 'dave');
    const token = await dave.socketToken();
    const socket = connect(token);
    expect(await connectOutcome(socket)).toBe('connected');
    const closed = new Promise<string>((resolve) => socket.once('fatal', (e) => resolve(e.message)));
    await dave.signOut();
    expect(await closed).toMatch(/signed out/);
    expect(await connectOutcome(connect(token))).toMatch(/session has ended/);
    expect((await dave.fetch('/api/socket-token')).status).toBe(401);
  });

  it('rate-limits sign-in, token and room-creation requests with a sentence', async () => {
    const statuses = async (n: number, request: () => Promise<Response>) => {
      const codes: number[] = [];
      for (let i = 0; i < n; i++) codes.push((await request()).status);
      return codes;
    };
    const rooms = await statuses(15, () => carol.fetch('/api/rooms', { method: 'POST', json: { room: `burst-${Math.random().toString(36).slice(2, 10)}`, visibility: 'public' } }));
    expect(rooms.filter((c) => c === 201).length).toBeLessThanOrEqual(11);
    expect(rooms).toContain(429);
    const tokens = await statuses(40, () => carol.fetch('/api/socket-token'));
    expect(tokens).toContain(429);
    const signIns = await statuses(40, () => fetch(`${url}/auth/signin`, { redirect: 'manual' }));
    expect(signIns).toContain(429);
    const refused = await fetch(`${url}/auth/signin`, { redirect: 'manual' });
    expect(await refused.json()).toEqual({ error: 'Too many sign-in attempts; wait a minute and try again.' });
  });

  it('counted each refusal above by its reason in parley_auth_failures_total', async () => {
    const counted = Object.fromEntries((await server.metrics.registry.getSingleMetric('parley_auth_failures_total')!.get()).values.map((v) => [v.labels.reason, v.value]));
    expect(counted).toMatchObject({
      missing_token: expect.any(Number),
      expired_token: expect.any(Number),
      invalid_token: expect.any(Number),
      unknown_key: expect.any(Number),
      session_ended: expect.any(Number),
      http_unauthorized: expect.any(Number),
    });
    // A forged and a tampered token, a refresh without a token and one with another user's.
    expect(counted.invalid_token).toBeGreaterThanOrEqual(4);
    // The guest's three API requests, the desktop bearer checks, the signed-out session's token request.
    expect(counted.http_unauthorized).toBeGreaterThanOrEqual(5);
  });

  it('let in nobody who was not allowed: 0 unauthorized joins', () => {
    const allowed = new Set([`${alice.userId}:alice-private`, `${bob.userId}:alice-private`]);
    expect(acceptedJoins.filter((j) => !allowed.has(`${j.user}:${j.room}`))).toEqual([]);
    expect(acceptedJoins.filter((j) => j.user === bob.userId)).toHaveLength(1);
  });
});
