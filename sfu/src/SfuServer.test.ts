import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, ClientToServerEvents, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { loadSfuConfig } from './config.js';
import { SfuServer } from './SfuServer.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('SfuServer signaling (real socket.io, real Redis)', () => {
  let server: SfuServer;
  let url: string;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const config = loadSfuConfig({ REDIS_URL: `${inject('redisUrl')}/6`, RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1', MAX_PARTICIPANTS_PER_ROOM: '2' });
    server = new SfuServer(config, pino({ level: 'silent' }), { joinTimeoutMs: 1_500, messageBurst: 20, messagesPerSecond: 5 });
    const port = await server.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server.close();
  });

  function connect(origin: string | undefined = url): ClientSocket {
    const socket: ClientSocket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: origin ? { origin } : {} });
    sockets.push(socket);
    return socket;
  }

  function join(socket: ClientSocket, request: unknown): Promise<Ack<JoinReply>> {
    // A single node always hosts the room itself: never a JoinMove here.
    return new Promise((resolve) => socket.emit('join', request, (reply) => resolve(reply as Ack<JoinReply>)));
  }

  const valid = { room: 'signal-test', name: 'Ana', speaks: 'en', reads: 'es' };

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: true, vad: true, mediaWorkers: 1 });
  });

  it('joins a room and tells everyone in it who is there', async () => {
    const a = connect();
    const reply = await join(a, valid);
    expect(reply.ok).toBe(true);
    const seen = new Promise((resolve) => a.once('participants', resolve));
    const b = connect();
    expect((await join(b, { ...valid, name: 'Bo' })).ok).toBe(true);
    expect(await seen).toHaveLength(2);
    a.disconnect();
    b.disconnect();
  });

  it('refuses a full room with a sentence', async () => {
    const [a, b, c] = [connect(), connect(), connect()];
    const room = { ...valid, room: 'full-room' };
    expect((await join(a, room)).ok).toBe(true);
    expect((await join(b, room)).ok).toBe(true);
    const third = await join(c, room);
    expect(third).toEqual({ ok: false, error: 'Room "full-room" is full (2 participants).' });
  });

  it.each([
    ['a missing field', { room: 'x', name: 'A', speaks: 'en' }, /reads/],
    ['an unknown language', { ...valid, speaks: 'tlh' }, /language must be one of/],
    ['a bad room name', { ...valid, room: '../etc' }, /room name may use only/],
    ['an oversized name', { ...valid, name: 'x'.repeat(500) }, /longer than 64/],
    ['extra fields', { ...valid, admin: true }, /Invalid join/],
    ['a string payload', 'join me', /Invalid join/],
  ])('rejects a join with %s', async (_what, payload, message) => {
    const reply = await join(connect(), payload);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error).toMatch(message);
  });

  function request(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<object>> {
    return new Promise((resolve) => (socket as unknown as { emit(e: string, p: unknown, ack: (r: Ack<object>) => void): void }).emit(event, payload, resolve));
  }

  it('refuses media requests before joining, and malformed media parameters after', async () => {
    const socket = connect();
    expect(await request(socket, 'createTransports', { rtpCapabilities: {}, send: false })).toEqual({ ok: false, error: 'Join a room first.' });
    const reply = await join(socket, { ...valid, room: 'media-params' });
    if (!reply.ok) throw new Error(reply.error);
    const bad = [
      ['createTransports', { rtpCapabilities: { codecs: 'opus' }, send: false }, /rtpCapabilities\.codecs/],
      ['createTransports', { rtpCapabilities: {}, send: false }, /cannot receive Opus/],
      ['connectTransport', { transportId: 'x', dtlsParameters: { fingerprints: [] } }, /fingerprints/],
      ['connectTransport', { transportId: '../x', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] } }, /transportId/],
      ['produce', { transportId: 'x', kind: 'video', rtpParameters: { codecs: [] } }, /only audio|codecs/],
      ['restartIce', { transportId: 'x'.repeat(65) }, /transportId/],
    ] as const;
    for (const [event, payload, message] of bad) {
      const answer = await request(socket, event, payload);
      expect(answer.ok, event).toBe(false);
      if (!answer.ok) expect(answer.error).toMatch(message);
    }
    const transports = await request(socket, 'createTransports', { rtpCapabilities: reply.routerRtpCapabilities, send: true });
    expect(transports.ok).toBe(true);
    const wrongFingerprint = await request(socket, 'connectTransport', {
      transportId: (transports as unknown as { send: { id: string } }).send.id,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
    });
    expect(wrongFingerprint.ok).toBe(true); // accepted as given: DTLS itself then fails on a wrong certificate
    const producing = await request(socket, 'produce', {
      transportId: (transports as unknown as { recv: { id: string } }).recv.id,
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1 }] },
    });
    expect(producing).toEqual({ ok: false, error: 'Audio is sent on the send transport only.' });
  });

  it('refuses a page from another origin', async () => {
    const socket = connect('https://evil.example');
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toBeTruthy();
    expect(socket.connected).toBe(false);
  });

  it('disconnects a socket that never joins', async () => {
    const socket = connect();
    const fatal = await new Promise<{ message: string }>((resolve) => socket.once('fatal', resolve));
    expect(fatal.message).toMatch(/No room was joined in time/);
  });

  it('disconnects a socket that floods it', async () => {
    const socket = connect();
    const fatal = new Promise<{ message: string }>((resolve) => socket.once('fatal', resolve));
    for (let i = 0; i < 100; i++) socket.emit('mute', { muted: true }, () => {});
    expect((await fatal).message).toMatch(/Too many messages/);
  });
});
