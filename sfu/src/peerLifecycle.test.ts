import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, ClientToServerEvents, CreateTransportsReply, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { loadSfuConfig } from './config.js';
import { SfuServer } from './SfuServer.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const TURN_SECRET = 'a-test-secret-of-enough-length';
const CONNECT_TIMEOUT_MS = 1_500;
const ICE_CONSENT_TIMEOUT_S = 2;

describe('peer lifecycle: timeouts, consumers a client does not take, mute, ICE restart, TURN credentials', () => {
  let server: SfuServer;
  let url: string;
  const cleanup: (() => unknown)[] = [];

  beforeAll(async () => {
    const config = loadSfuConfig({
      REDIS_URL: inject('redisUrl'),
      RTC_LISTEN_IP: '127.0.0.1',
      MEDIASOUP_WORKERS: '1',
      RTC_ICE_CONSENT_TIMEOUT_SECONDS: String(ICE_CONSENT_TIMEOUT_S),
      TURN_URLS: 'turn:turn.example.org:3478?transport=tcp',
      TURN_SECRET,
    });
    server = new SfuServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), {
      consumerAckTimeoutMs: 1_000,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    for (const step of cleanup) await step();
    await server.close();
  });

  function connect(): ClientSocket {
    const socket: ClientSocket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } });
    cleanup.push(() => socket.disconnect());
    return socket;
  }

  function request<T extends object>(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<T>> {
    return new Promise((resolve) => (socket as unknown as { emit(e: string, p: unknown, ack: (r: Ack<T>) => void): void }).emit(event, payload, resolve));
  }

  async function join(socket: ClientSocket, room: string): Promise<JoinReply> {
    const reply = await request<JoinReply>(socket, 'join', { room, name: 'T', speaks: 'en', reads: 'en' });
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  /** A client that asks for a receive transport but never connects it (no WebRTC stack behind it). */
  async function transportsWithoutWebRtc(socket: ClientSocket, reply: JoinReply): Promise<CreateTransportsReply> {
    const transports = await request<CreateTransportsReply>(socket, 'createTransports', { rtpCapabilities: reply.routerRtpCapabilities, send: false });
    if (!transports.ok) throw new Error(transports.error);
    return transports;
  }

  async function speakerIn(room: string): Promise<WrtcParticipant> {
    const speaker = await WrtcParticipant.join({ url, room, name: 'S', speaks: 'en', reads: 'en' });
    cleanup.push(() => speaker.close());
    await speaker.startMicrophone();
    return speaker;
  }

  function nextFatal(socket: ClientSocket): Promise<string> {
    return new Promise((resolve) => socket.once('fatal', ({ message }) => resolve(message)));
  }

  it('hands out coturn REST credentials for TURN_URLS', async () => {
    const reply = await join(connect(), 'turn-room');
    expect(reply.iceServers).toHaveLength(1);
    const [turn] = reply.iceServers;
    expect(turn!.urls).toEqual(['turn:turn.example.org:3478?transport=tcp']);
    expect(Number(turn!.username)).toBeGreaterThan(Date.now() / 1000);
    expect(turn!.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn!.username!).digest('base64'));
  });

  it('closes a peer whose transport has audio to carry but never connects, with a sentence saying why', async () => {
    const room = 'never-connects';
    const socket = connect();
    await transportsWithoutWebRtc(socket, await join(socket, room));
    socket.on('newConsumer', (_consumer, ack) => ack({ ok: true }));
    const fatal = nextFatal(socket);
    await speakerIn(room);
    expect(await fatal).toMatch(/could not be set up in time/);
  });

  it('leaves an idle receive transport alone (a listener alone in a room is not timed out)', async () => {
    const socket = connect();
    await transportsWithoutWebRtc(socket, await join(socket, 'idle-listener'));
    let fatal: string | undefined;
    socket.on('fatal', ({ message }) => (fatal = message));
    await new Promise((r) => setTimeout(r, CONNECT_TIMEOUT_MS + 1_000));
    expect(fatal).toBeUndefined();
    expect(socket.connected).toBe(true);
  });

  it('disconnects a client that does not take a new consumer', async () => {
    const room = 'never-acks';
    const socket = connect();
    await transportsWithoutWebRtc(socket, await join(socket, room));
    socket.on('newConsumer', () => {});
    const fatal = nextFatal(socket);
    await speakerIn(room);
    expect(await fatal).toMatch(/did not take the server's audio \(no answer within 1 s\)/);
  });

  it('disconnects a client whose reply to a new consumer is not an acceptance', async () => {
    const room = 'bad-ack';
    const socket = connect();
    await transportsWithoutWebRtc(socket, await join(socket, room));
    socket.on('newConsumer', (_consumer, ack) => ack({ description: 'v=0' }));
    const fatal = nextFatal(socket);
    await speakerIn(room);
    expect(await fatal).toMatch(/the reply was malformed/);
  });

  it('validates mute and restartIce requests, and transport ids of other connections', async () => {
    const socket = connect();
    expect(await request(socket, 'mute', { muted: true })).toEqual({ ok: false, error: 'Join a room first.' });
    const reply = await join(socket, 'mute-validation');
    expect((await request(socket, 'mute', { muted: 'yes' })).ok).toBe(false);
    expect(await request(socket, 'restartIce', { transportId: 'no-such-transport' })).toEqual({ ok: false, error: 'No such transport on this connection.' });
    // Another connection's transport is not this one's to restart or connect.
    const other = connect();
    const theirs = await transportsWithoutWebRtc(other, await join(other, 'mute-validation'));
    expect(await request(socket, 'restartIce', { transportId: theirs.recv.id })).toEqual({ ok: false, error: 'No such transport on this connection.' });
    await transportsWithoutWebRtc(socket, reply);
    const again = await request(socket, 'createTransports', { rtpCapabilities: reply.routerRtpCapabilities, send: false });
    expect(again).toEqual({ ok: false, error: 'Transports are already set up for this connection.' });
  });

  it('restarts ICE for real: the new username fragment is the one in use, and audio flows past the consent timeout', async () => {
    const room = 'ice-restart';
    const speaker = await speakerIn(room);
    const stopTone = speaker.playTone(600);
    cleanup.push(stopTone);
    const listener = await WrtcParticipant.join({ url, room, name: 'L', speaks: 'en', reads: 'en' });
    cleanup.push(() => listener.close());
    await listener.startListening();
    await listener.waitForRoom(() => listener.remoteAudio(speaker.peerId) !== undefined, 'the speaker track');
    const track = listener.remoteAudio(speaker.peerId)!;
    await track.waitFor(() => track.hasTone(600), 'the tone before the restart');

    const transport = server.roomRegistry!.get(room)!.getPeer(listener.peerId)!.transports.find((t) => t.direction === 'recv')!.transport;
    const before = transport.iceParameters.usernameFragment;
    await listener.restartIce();
    const after = transport.iceParameters.usernameFragment;
    expect(after).not.toBe(before);

    // mediasoup drops the old fragment only once a check with the new credentials has arrived.
    const webRtcServer = server.media!.workers[0]!.webRtcServer;
    const fragmentsOf = async () =>
      (await webRtcServer.dump()).localIceUsernameFragments.filter((f) => f.webRtcTransportId === transport.id).map((f) => f.localIceUsernameFragment);
    const deadline = Date.now() + 10_000;
    while ((await fragmentsOf()).includes(before) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await fragmentsOf()).toEqual([after]);

    const framesAtRestart = track.framesReceived;
    await new Promise((r) => setTimeout(r, (ICE_CONSENT_TIMEOUT_S + 1.5) * 1_000));
    expect(['connected', 'completed']).toContain(transport.iceState);
    await track.waitFor(() => track.framesReceived > framesAtRestart + (ICE_CONSENT_TIMEOUT_S + 1) * 100 && track.hasTone(600), 'the tone after the restart');
  });
});
