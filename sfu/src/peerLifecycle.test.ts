import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, ClientToServerEvents, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { loadSfuConfig } from './config.js';
import { SfuServer } from './SfuServer.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
interface WrtcPc {
  addTransceiver(kind: string, init: { direction: string }): unknown;
  createOffer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  localDescription: { sdp: string } | null;
  close(): void;
}
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: new (c: object) => WrtcPc };

const TURN_SECRET = 'a-test-secret-of-enough-length';

describe('peer lifecycle: timeouts, mute, ICE restart, TURN credentials', () => {
  let server: SfuServer;
  let url: string;
  const cleanup: (() => unknown)[] = [];

  beforeAll(async () => {
    const config = loadSfuConfig({
      REDIS_URL: inject('redisUrl'),
      RTC_LISTEN_IP: '127.0.0.1',
      TURN_URLS: 'turn:turn.example.org:3478?transport=tcp',
      TURN_SECRET,
    });
    server = new SfuServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), { renegotiateTimeoutMs: 1_000, connectTimeoutMs: 1_500 });
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

  async function join(socket: ClientSocket, room: string): Promise<JoinReply> {
    const reply = await new Promise<Ack<JoinReply>>((resolve) => socket.emit('join', { room, name: 'T', speaks: 'en', reads: 'en' }, resolve));
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  /** A receive-only offer answered by the server; `apply` decides whether the browser side takes the answer. */
  async function offer(socket: ClientSocket, apply: boolean): Promise<WrtcPc> {
    const pc = new wrtc.RTCPeerConnection({});
    cleanup.push(() => pc.close());
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const reply = await new Promise<Ack<{ description: { type: string; sdp: string } }>>((resolve) =>
      socket.emit('offer', { description: { type: 'offer', sdp: pc.localDescription!.sdp } }, resolve),
    );
    if (!reply.ok) throw new Error(reply.error);
    if (apply) await pc.setRemoteDescription(reply.description);
    return pc;
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

  it('closes a peer whose WebRTC connection never comes up, with a sentence saying why', async () => {
    const socket = connect();
    await join(socket, 'never-connects');
    const fatal = nextFatal(socket);
    await offer(socket, false);
    expect(await fatal).toMatch(/could not be set up in time/);
  });

  it('disconnects a browser that does not answer a server offer', async () => {
    const room = 'never-answers';
    const socket = connect();
    await join(socket, room);
    socket.on('renegotiate', () => {});
    await offer(socket, true);
    const fatal = nextFatal(socket);
    const speaker = await WrtcParticipant.join({ url, room, name: 'S', speaks: 'en', reads: 'en' });
    cleanup.push(() => speaker.close());
    await speaker.startMicrophone();
    expect(await fatal).toMatch(/did not take the server's audio update \(no answer within 1 s\)/);
  });

  it('disconnects a browser whose reply to a server offer is not an answer', async () => {
    const room = 'bad-answer';
    const socket = connect();
    await join(socket, room);
    socket.on('renegotiate', (_request, ack) => ack({ description: { type: 'offer', sdp: 'v=0' } }));
    await offer(socket, true);
    const fatal = nextFatal(socket);
    const speaker = await WrtcParticipant.join({ url, room, name: 'S', speaks: 'en', reads: 'en' });
    cleanup.push(() => speaker.close());
    await speaker.startMicrophone();
    expect(await fatal).toMatch(/the answer was malformed/);
  });

  it('validates mute and restartIce requests', async () => {
    const socket = connect();
    const early = await new Promise<Ack<object>>((resolve) => socket.emit('mute', { muted: true }, resolve));
    expect(early).toEqual({ ok: false, error: 'Join a room before muting.' });
    await join(socket, 'mute-validation');
    const bad = await new Promise<Ack<object>>((resolve) => socket.emit('mute', { muted: 'yes' }, resolve));
    expect(bad.ok).toBe(false);
    const restart = await new Promise<Ack<object>>((resolve) => socket.emit('restartIce', resolve));
    expect(restart).toEqual({ ok: false, error: 'There is no audio connection to restart yet; send an offer first.' });
  });

  it('restarts ICE on request and keeps the audio flowing', async () => {
    const room = 'ice-restart';
    const speaker = await WrtcParticipant.join({ url, room, name: 'S', speaks: 'en', reads: 'en' });
    const listener = await WrtcParticipant.join({ url, room, name: 'L', speaks: 'en', reads: 'en' });
    cleanup.push(() => speaker.close(), () => listener.close());
    await speaker.startMicrophone();
    const stopTone = speaker.playTone(600);
    cleanup.push(stopTone);
    await listener.startListening();
    await listener.waitForRoom(() => listener.remoteAudio(speaker.peerId) !== undefined, 'the speaker track');
    const track = listener.remoteAudio(speaker.peerId)!;
    await track.waitFor(() => track.hasTone(600), 'the tone before the restart');
    const before = listener.renegotiations;
    await listener.restartIce();
    await listener.waitForRoom(() => listener.renegotiations > before, 'a server offer with an ICE restart');
    const framesAfterRestart = track.framesReceived;
    await track.waitFor(() => track.framesReceived > framesAfterRestart + 50 && track.hasTone(600), 'the tone after the restart');
  });
});
