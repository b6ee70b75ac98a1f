import { Redis } from 'ioredis';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, Caption, ClientToServerEvents, JoinReply, Participant, ServerToClientEvents } from '@parley/protocol';
import { STREAMS } from '@parley/protocol/streams';
import { loadSfuConfig } from '../config.js';
import { RawSocket } from '../fuzz/rawFrames.js';
import { SfuServer } from '../SfuServer.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io connection to the server at `url`, kept in `sockets` to be closed after the tests. */
function connectTo(url: string, sockets: ClientSocket[]): ClientSocket {
  const socket: ClientSocket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } });
  sockets.push(socket);
  return socket;
}

/** Sends `event` (with `payload`, if any) as a raw client would, and resolves with the server's answer. */
function request<T extends object>(socket: ClientSocket, event: string, payload?: unknown): Promise<Ack<T>> {
  const emit = (socket as unknown as { emit(e: string, ...args: unknown[]): void }).emit.bind(socket);
  return new Promise((resolve) => (payload === undefined ? emit(event, resolve) : emit(event, payload, resolve)));
}

describe('SignalingServer: a join that overlaps another request or the end of its connection', () => {
  let server: SfuServer;
  let url: string;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const config = loadSfuConfig({ REDIS_URL: `${inject('redisUrl')}/18`, RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1' });
    server = new SfuServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server.close();
  });

  const connect = () => connectTo(url, sockets);

  const joinRequest = (room: string, name = 'Ana') => ({ room, name, speaks: 'en', reads: 'es' });

  it('refuses a second join sent before the first one was answered: one participant, not two', async () => {
    const socket = connect();
    const [first, second] = await Promise.all([request<JoinReply>(socket, 'join', joinRequest('twice')), request<JoinReply>(socket, 'join', joinRequest('twice-b'))]);
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, error: 'Already in a room; leave it first.' });
    expect(server.roomRegistry!.get('twice')!.size).toBe(1);
    expect(server.roomRegistry!.get('twice-b')).toBeUndefined();
  });

  it('forgets a participant whose connection dropped while it was joining', async () => {
    const leaver = await RawSocket.open(url, true, 5_000);
    // The join and the dropped connection arrive together: the drop is handled while the join is under way.
    leaver.send(`421["join",${JSON.stringify(joinRequest('dropped', 'Gone'))}]`);
    leaver.terminate();
    const reply = await request<JoinReply>(connect(), 'join', joinRequest('dropped', 'Here'));
    expect(reply.ok && reply.participants.map((p) => p.name)).toEqual(['Here']);
  });

  it('leaves a connection outside the room when it leaves while its join is under way', async () => {
    const socket = connect();
    const [joined, left] = await Promise.all([request<JoinReply>(socket, 'join', joinRequest('join-and-leave')), request(socket, 'leave')]);
    expect(left).toEqual({ ok: true });
    if (!joined.ok) expect(joined.error).toBe('You left the room before joining it had finished; join again.');
    expect(await request(socket, 'mute', { muted: true })).toEqual({ ok: false, error: 'Join a room first.' });
    expect(server.roomRegistry!.get('join-and-leave')?.size ?? 0).toBe(0);
    // The connection can still join afterwards.
    expect((await request<JoinReply>(socket, 'join', joinRequest('join-and-leave'))).ok).toBe(true);
  });
});

describe('SignalingServer: changing the caption language mid-meeting', () => {
  let server: SfuServer;
  let url: string;
  let publisher: Redis;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/18`;
    const config = loadSfuConfig({ REDIS_URL: redisUrl, RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1' });
    server = new SfuServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    publisher = new Redis(redisUrl);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    publisher.disconnect();
    await server.close();
  });

  const connect = () => connectTo(url, sockets);

  /** A caption as the mt worker publishes it, for every sfu node to deliver. */
  async function publishCaption(room: string, lang: 'es' | 'fr', utteranceId: string): Promise<void> {
    const caption: Caption = {
      room, utteranceId, seq: 1, kind: 'final', speakerId: 's', speakerName: 'Sam', lang, text: `in ${lang}`,
      sourceLang: 'en', sourceText: 'in en', engine: 'pocketsphinx+apertium', audioEndAtMs: Date.now(),
    };
    await STREAMS.captions.add(publisher, caption);
  }

  it('moves the reader to the new language: later captions arrive in it only, the room translates into it, and everyone is told', async () => {
    const room = `reads-${Date.now()}`;
    const reader = connect();
    const other = connect();
    const received: Caption[] = [];
    reader.on('caption', (c) => received.push(c));
    expect((await request<JoinReply>(reader, 'join', { room, name: 'Rita', speaks: 'en', reads: 'es' })).ok).toBe(true);
    const announced = new Promise<Participant[]>((resolve) => {
      other.on('participants', (list) => {
        if (list.some((p) => p.name === 'Rita' && p.reads === 'fr')) resolve(list);
      });
    });
    expect((await request<JoinReply>(other, 'join', { room, name: 'Otto', speaks: 'en', reads: 'en' })).ok).toBe(true);
    expect(server.roomRegistry!.get(room)!.captionLanguages().sort()).toEqual(['en', 'es']);

    await publishCaption(room, 'es', 'before');
    await until(() => received.length === 1, 'the Spanish caption');

    expect(await request(reader, 'setCaptionLanguage', { reads: 'fr' })).toEqual({ ok: true });
    await announced;
    expect(server.roomRegistry!.get(room)!.captionLanguages().sort()).toEqual(['en', 'fr']);

    await publishCaption(room, 'es', 'after-es');
    await publishCaption(room, 'fr', 'after-fr');
    await until(() => received.some((c) => c.utteranceId === 'after-fr'), 'the French caption');
    expect(received.map((c) => c.utteranceId)).toEqual(['before', 'after-fr']);
  });

  it('refuses a malformed language, and a change before joining', async () => {
    const socket = connect();
    expect(await request(socket, 'setCaptionLanguage', { reads: 'es' })).toEqual({ ok: false, error: 'Join a room first.' });
    expect((await request<JoinReply>(socket, 'join', { room: `reads-bad-${Date.now()}`, name: 'Bo', speaks: 'en', reads: 'es' })).ok).toBe(true);
    const bad = await request(socket, 'setCaptionLanguage', { reads: 'xx' });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid setCaptionLanguage: reads: language must be one of/) });
    expect(await request(socket, 'setCaptionLanguage', { reads: 'es', extra: 1 })).toMatchObject({ ok: false });
    expect(await request(socket, 'setCaptionLanguage', 'es')).toMatchObject({ ok: false });
  });

  it('ends in one audience when two changes overlap', async () => {
    const room = `reads-race-${Date.now()}`;
    const reader = connect();
    const received: Caption[] = [];
    reader.on('caption', (c) => received.push(c));
    expect((await request<JoinReply>(reader, 'join', { room, name: 'Rae', speaks: 'en', reads: 'en' })).ok).toBe(true);
    const replies = await Promise.all([request(reader, 'setCaptionLanguage', { reads: 'es' }), request(reader, 'setCaptionLanguage', { reads: 'fr' })]);
    expect(replies).toEqual([{ ok: true }, { ok: true }]);
    const reads = server.roomRegistry!.get(room)!.participants()[0]!.reads;
    expect(['es', 'fr']).toContain(reads);
    await publishCaption(room, 'es', 'race-es');
    await publishCaption(room, 'fr', 'race-fr');
    // Captions are delivered in the order they were published: the marker comes after both.
    await publishCaption(room, reads as 'es' | 'fr', 'marker');
    await until(() => received.some((c) => c.utteranceId === 'marker'), 'the marker caption');
    expect(received.map((c) => c.utteranceId)).toEqual([`race-${reads}`, 'marker']);
  });
});

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not arrive within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
