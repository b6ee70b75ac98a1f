import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, ClientToServerEvents, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { loadSfuConfig } from '../config.js';
import { RawSocket } from '../fuzz/rawFrames.js';
import { SfuServer } from '../SfuServer.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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

  function connect(): ClientSocket {
    const socket: ClientSocket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } });
    sockets.push(socket);
    return socket;
  }

  function request<T extends object>(socket: ClientSocket, event: string, payload?: unknown): Promise<Ack<T>> {
    const emit = (socket as unknown as { emit(e: string, ...args: unknown[]): void }).emit.bind(socket);
    return new Promise((resolve) => (payload === undefined ? emit(event, resolve) : emit(event, payload, resolve)));
  }

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
