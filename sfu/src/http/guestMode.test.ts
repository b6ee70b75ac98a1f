import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, JoinReply } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { Redis } from 'ioredis';
import { loadSfuConfig } from '../config.js';
import { openDatabase } from '../db/openDatabase.js';
import { SfuServer } from '../SfuServer.js';
import { TranscriptStore } from '../transcripts/TranscriptStore.js';

describe('AUTH=off (the default): guests, open rooms, hardened HTTP', () => {
  let server: SfuServer;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-guest-'));
    const webDir = join(dir, 'web');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(webDir);
    writeFileSync(join(webDir, 'index.html'), '<div id="root"></div>');
    const config = loadSfuConfig({ REDIS_URL: `${inject('redisUrl')}/15`, RTC_LISTEN_IP: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'p.db')}`, WEB_DIST_DIR: webDir });
    server = new SfuServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app with security headers and a CSP', async () => {
    const response = await fetch(`${url}/r/room`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'.*frame-ancestors 'none'/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('says sign-in is off, needs no socket token, and has no account routes', async () => {
    expect(await (await fetch(`${url}/api/me`)).json()).toEqual({ auth: 'off' });
    expect(await (await fetch(`${url}/api/socket-token`)).json()).toEqual({ token: null, expiresAtMs: null });
    const rooms = await fetch(`${url}/api/rooms`);
    expect(rooms.status).toBe(404);
    expect(((await rooms.json()) as { error: string }).error).toMatch(/AUTH=off/);
    expect((await fetch(`${url}/api/nothing-here`)).status).toBe(404);
    expect(await (await fetch(`${url}/api/rooms/open-room/transcript`)).json()).toEqual({ room: 'open-room', segments: [], next: null });
    expect((await fetch(`${url}/api/rooms/bad%20room/transcript`)).status).toBe(400);
  });

  it('refuses state-changing requests from another origin, malformed and oversized bodies', async () => {
    const evil = await fetch(`${url}/api/desktop/token`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(evil.status).toBe(403);
    expect((await fetch(`${url}/index.html`, { method: 'POST' })).status).toBe(405);
    const bad = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    const big = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'a'.repeat(20_000) }) });
    expect(big.status).toBe(413);
  });

  it('exports a kept transcript as SRT, WebVTT and plain text, original or translated, to anyone with the room name', async () => {
    const db = await openDatabase(`sqlite:${join(dir, 'p.db')}`);
    try {
      const store = new TranscriptStore(db);
      const t0 = Date.UTC(2026, 2, 3, 10, 0, 0);
      const entry = (utteranceId: string, text: string, es: string, startS: number, endS: number) => ({
        utteranceId, room: 'export-room', speakerId: 's1', speakerName: 'Sam', seq: 3, srcLang: 'en' as const, text,
        translations: { es }, sttEngine: 'pocketsphinx', mtEngines: { es: 'apertium' }, startedAtMs: t0 + startS * 1000, audioEndAtMs: t0 + endS * 1000,
      });
      await store.store(entry('u1', 'good morning', 'buenos días', 1, 2.5));
      await store.store(entry('u2', 'see <you> & bye', 'hasta luego', 4, 5));
    } finally {
      await db.destroy();
    }
    const srt = await fetch(`${url}/api/rooms/export-room/transcript/export?format=srt&lang=es`);
    expect(srt.status).toBe(200);
    expect(srt.headers.get('content-type')).toBe('application/x-subrip; charset=utf-8');
    expect(srt.headers.get('content-disposition')).toBe('attachment; filename="export-room-es.srt"');
    expect(await srt.text()).toBe('1\n00:00:00,000 --> 00:00:01,500\nSam: buenos días\n\n2\n00:00:03,000 --> 00:00:04,000\nSam: hasta luego\n');
    const vtt = await fetch(`${url}/api/rooms/export-room/transcript/export?format=vtt`);
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(await vtt.text()).toBe(
      'WEBVTT - Parley transcript: export-room\n\n1\n00:00:00.000 --> 00:00:01.500\n<v Sam>good morning\n\n2\n00:00:03.000 --> 00:00:04.000\n<v Sam>see &lt;you&gt; &amp; bye\n',
    );
    const txt = await fetch(`${url}/api/rooms/export-room/transcript/export?format=txt&lang=es`);
    expect(await txt.text()).toContain('[00:00:03] Sam: hasta luego');
    const bad = await fetch(`${url}/api/rooms/export-room/transcript/export?format=docx`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/format must be one of srt, vtt, txt/);
    expect((await fetch(`${url}/api/rooms/export-room/transcript/export`)).status).toBe(400);
    expect((await fetch(`${url}/api/rooms/export-room/transcript/export?format=srt&lang=xx`)).status).toBe(400);
  });

  it('tells the lobby which engines serve each language pair, as the workers published them', async () => {
    const redis = new Redis(`${inject('redisUrl')}/15`);
    try {
      await redis.del(REDIS_KEYS.engines);
      expect(await (await fetch(`${url}/api/engines`)).json()).toEqual({ engines: {} });
      await redis.hset(REDIS_KEYS.engines, { 'en>en': 'pocketsphinx', 'en>es': 'pocketsphinx+apertium', 'es>en': 'none' });
      expect(await (await fetch(`${url}/api/engines`)).json()).toEqual({ engines: { 'en>en': 'pocketsphinx', 'en>es': 'pocketsphinx+apertium', 'es>en': 'none' } });
    } finally {
      await redis.del(REDIS_KEYS.engines);
      redis.disconnect();
    }
  });

  it('lets a guest join with a display name and no token; host controls need sign-in', async () => {
    const socket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } });
    try {
      const reply = await socket.emitWithAck('join', { room: 'guests', name: 'Gus', speaks: 'en', reads: 'en' }) as Ack<JoinReply>;
      expect(reply.ok).toBe(true);
      const host = await socket.emitWithAck('host', { action: 'lock', locked: true }) as Ack<object>;
      expect(host).toEqual({ ok: false, error: 'Host controls need sign-in (AUTH=oidc) on this server.' });
      const malformed = await socket.emitWithAck('host', { action: 'explode' }) as Ack<object>;
      expect(malformed).toMatchObject({ ok: false });
    } finally {
      socket.disconnect();
    }
  });
});
