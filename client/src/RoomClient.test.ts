import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Participant } from '@parley/protocol';
import { freePort } from '../../scripts/lib/freePort.js';
import { RemoteAudioTrack } from '../../scripts/lib/RemoteAudioTrack.js';
import { installWrtcGlobals, wrtc, type WrtcTrack } from '../../scripts/lib/wrtc.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { loadSfuConfig } from '../../sfu/src/config.js';
import { SfuServer } from '../../sfu/src/SfuServer.js';
import { RoomClient } from './RoomClient.js';

/** Resolves when `check` holds, polling; the message says what was awaited. */
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('RoomClient against a real sfu (mediasoup, libwebrtc in Node)', () => {
  let server: SfuServer;
  let url: string;
  const cleanup: (() => unknown)[] = [];

  beforeAll(async () => {
    installWrtcGlobals();
    const config = loadSfuConfig({ REDIS_URL: inject('redisUrl'), RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1', MAX_PARTICIPANTS_PER_ROOM: '3', LOG_LEVEL: 'silent' });
    server = new SfuServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await server?.close();
  });

  /** A RoomClient with a libwebrtc microphone playing a tone, as the web app would have with getUserMedia. */
  function speakingClient(room: string, name: string, socket: object = {}, toneHz = 500) {
    const source = new wrtc.nonstandard.RTCAudioSource();
    const track = source.createTrack();
    const timer = setInterval(() => {
      const samples = new Int16Array(480);
      for (let i = 0; i < 480; i++) samples[i] = Math.round(8_000 * Math.sin((2 * Math.PI * toneHz * i) / 48_000));
      source.onData({ samples, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
    }, 10);
    const client = new RoomClient({
      url,
      socket: { transports: ['websocket'], extraHeaders: { origin: url }, reconnectionDelay: 100, reconnectionDelayMax: 200, ...socket },
      join: { room, name, speaks: 'en', reads: 'en' },
      microphone: () => Promise.resolve(track as unknown as MediaStreamTrack),
      handlerName: 'Chrome111',
      qualityIntervalMs: 1_000,
    });
    const states: string[] = [];
    client.on('connection', (state) => states.push(state));
    cleanup.push(() => {
      clearInterval(timer);
      client.close();
      track.stop();
    });
    return { client, states };
  }

  async function listenerIn(room: string): Promise<WrtcParticipant> {
    const listener = await WrtcParticipant.join({ url, room, name: 'Listener', speaks: 'en', reads: 'en' });
    cleanup.push(() => listener.close());
    await listener.startListening();
    return listener;
  }

  it('joins, sends the microphone and is heard; says when it is connected', async () => {
    const room = 'client-basic';
    const { client, states } = speakingClient(room, 'Ana');
    let participants: Participant[] = [];
    client.on('participants', (p) => (participants = p));
    client.start();
    await client.whenJoined();
    await until(() => states.at(-1) === 'connected' && !!client.producer, 'the microphone producing');
    const listener = await listenerIn(room);
    await listener.waitForRoom(() => listener.remoteAudio(client.peerId!) !== undefined, 'the speaker track');
    const track = listener.remoteAudio(client.peerId!)!;
    await track.waitFor(() => track.hasTone(500), 'the tone');
    await until(() => participants.some((p) => p.name === 'Ana' && p.hasMic), 'the client listed with a microphone');
  });

  it('rejoins by itself after its connection drops, with the same microphone, and is heard again', async () => {
    const room = 'client-reconnect';
    const { client, states } = speakingClient(room, 'Bea');
    client.start();
    await client.whenJoined();
    await until(() => !!client.producer, 'the microphone producing');
    const listener = await listenerIn(room);
    const firstId = client.peerId!;
    await listener.waitForRoom(() => listener.remoteAudio(firstId) !== undefined, 'the speaker track');

    // The network drops under the socket (not a leave): socket.io reconnects, the client joins again.
    client.socket.io.engine.close();
    await until(() => client.peerId !== null && client.peerId !== firstId, 'a new join after the drop');
    await until(() => !!client.producer && states.at(-1) === 'connected', 'the microphone producing again');
    const secondId = client.peerId!;
    await listener.waitForRoom(() => listener.remoteAudio(secondId) !== undefined && listener.remoteAudio(firstId) === undefined, 'the new track, the old one gone');
    const track = listener.remoteAudio(secondId)!;
    await track.waitFor(() => track.hasTone(500), 'the tone after the reconnect');
    expect(states).toContain('connecting');
  });

  it('renegotiates its receive side as speakers come and go: each is heard on the one receive transport, a leaver’s track ends', async () => {
    const room = 'client-renegotiate';
    const listener = new RoomClient({
      url,
      socket: { transports: ['websocket'], extraHeaders: { origin: url } },
      join: { room, name: 'Lou', speaks: 'en', reads: 'en' },
      handlerName: 'Chrome111',
    });
    const heard = new Map<string, RemoteAudioTrack>();
    const ended: string[] = [];
    listener.on('remoteTrack', (peerId, track) => {
      const remote = new RemoteAudioTrack(track);
      const sink = new wrtc.nonstandard.RTCAudioSink(track as unknown as WrtcTrack);
      sink.ondata = (data) => remote.push(data.samples, data.sampleRate, data.channelCount);
      cleanup.push(() => sink.stop());
      heard.set(peerId, remote);
    });
    listener.on('remoteTrackEnded', (peerId) => ended.push(peerId));
    cleanup.push(() => listener.close());
    listener.start();
    await listener.whenJoined();
    await until(() => !!listener.transports.recv, 'the receive transport');
    const recv = listener.transports.recv!;
    expect(listener.transports.send).toBeUndefined();

    // Each speaker who joins later is a new consumer on the transport that already exists.
    const first = speakingClient(room, 'Ann', {}, 500);
    first.client.start();
    await first.client.whenJoined();
    await until(() => heard.has(first.client.peerId!), 'the first speaker’s track');
    const ann = heard.get(first.client.peerId!)!;
    await ann.waitFor(() => ann.hasTone(500), 'the first speaker’s tone');
    const second = speakingClient(room, 'Ben', {}, 800);
    second.client.start();
    await second.client.whenJoined();
    await until(() => heard.has(second.client.peerId!), 'the second speaker’s track');
    const ben = heard.get(second.client.peerId!)!;
    await ben.waitFor(() => ben.hasTone(800) && !ben.hasTone(500), 'the second speaker’s own tone');
    expect(listener.transports.recv).toBe(recv);

    // One leaves: their consumer closes; the other is still heard on the same transport.
    const benId = second.client.peerId!;
    second.client.close();
    await until(() => ended.includes(benId), 'the leaver’s track ending');
    expect(ended).toEqual([benId]);
    const frames = ann.framesReceived;
    await ann.waitFor(() => ann.framesReceived > frames + 100 && ann.hasTone(500), 'the first speaker still heard');
    expect(listener.transports.recv).toBe(recv);
  });

  it('restarts ICE on request: new ICE credentials from the server, audio keeps flowing', async () => {
    const room = 'client-ice';
    const { client } = speakingClient(room, 'Cy');
    client.start();
    await client.whenJoined();
    await until(() => !!client.producer, 'the microphone producing');
    const listener = await listenerIn(room);
    const serverSend = () => server.roomRegistry!.get(room)!.getPeer(client.peerId!)!.transports.find((t) => t.direction === 'send')!.transport;
    const before = serverSend().iceParameters.usernameFragment;
    await client.restartIce();
    expect(serverSend().iceParameters.usernameFragment).not.toBe(before);
    await listener.waitForRoom(() => listener.remoteAudio(client.peerId!) !== undefined, 'the speaker track');
    const track = listener.remoteAudio(client.peerId!)!;
    const frames = track.framesReceived;
    await track.waitFor(() => track.framesReceived > frames + 100 && track.hasTone(500), 'the tone after the restart');
  });

  it('restarts ICE by itself when its transports lose the server (the media process stalls), and audio resumes', async () => {
    const room = 'client-ice-auto';
    const { client } = speakingClient(room, 'Ivy');
    const transportStates: string[] = [];
    client.on('transportState', (direction, state) => transportStates.push(`${direction}:${state}`));
    client.start();
    await client.whenJoined();
    await until(() => !!client.producer && transportStates.includes('send:connected'), 'the microphone connected');
    const listener = await listenerIn(room);
    await listener.waitForRoom(() => listener.remoteAudio(client.peerId!) !== undefined, 'the speaker track');
    const serverSend = () => server.roomRegistry!.get(room)!.getPeer(client.peerId!)!.transports.find((t) => t.direction === 'send')!.transport;
    const before = serverSend().iceParameters.usernameFragment;

    // A stopped media process answers no ICE checks: to the client, the server is gone from the network.
    const [pid] = server.media!.pids;
    process.kill(pid!, 'SIGSTOP');
    try {
      await until(() => transportStates.includes('send:disconnected') || transportStates.includes('send:failed'), 'the send transport losing the server', 30_000);
    } finally {
      process.kill(pid!, 'SIGCONT');
    }
    // The client asked for new ICE credentials by itself; the server's transport has them.
    await until(() => serverSend().iceParameters.usernameFragment !== before, 'an ICE restart', 20_000);
    await until(() => transportStates.at(-1)?.endsWith(':connected') ?? false, 'the transports connected again', 20_000);
    const track = listener.remoteAudio(client.peerId!)!;
    const frames = track.framesReceived;
    await track.waitFor(() => track.framesReceived > frames + 100 && track.hasTone(500), 'the tone after the restart');
  });

  it('sets its audio up again after the server lost the room’s media process (media reset), and is heard again', async () => {
    const room = 'client-media-reset';
    const { client, states } = speakingClient(room, 'Max');
    const resets: string[] = [];
    client.on('mediaReset', (reason) => resets.push(reason));
    client.start();
    await client.whenJoined();
    await until(() => !!client.producer && states.at(-1) === 'connected', 'the microphone producing');
    const listener = await listenerIn(room);
    const peerId = client.peerId!;
    await listener.waitForRoom(() => listener.remoteAudio(peerId) !== undefined, 'the speaker track');
    const heardBefore = listener.remoteAudio(peerId)!;
    const producerBefore = client.producer!;

    const [victim] = server.media!.pids;
    process.kill(victim!, 'SIGKILL');
    await until(() => resets.length > 0, 'the server asking for a media reset');
    expect(resets[0]).toMatch(/restarted its audio service/);
    // Same participant, new transports and producer; the microphone track is the same one.
    await until(() => !!client.producer && client.producer !== producerBefore && states.at(-1) === 'connected', 'the microphone producing again', 30_000);
    expect(client.peerId).toBe(peerId);
    expect(server.media!.pids).not.toContain(victim);
    await listener.waitForRoom(() => listener.remoteAudio(peerId) !== undefined && listener.remoteAudio(peerId) !== heardBefore, 'a new track of the speaker', 30_000);
    const track = listener.remoteAudio(peerId)!;
    await track.waitFor(() => track.framesReceived > 100 && track.hasTone(500), 'the tone after the reset');
  });

  it('changes its caption language without rejoining, and keeps it across a reconnect', async () => {
    const room = 'client-reads';
    const { client } = speakingClient(room, 'Liv');
    let participants: Participant[] = [];
    client.on('participants', (p) => (participants = p));
    client.start();
    await client.whenJoined();
    const firstId = client.peerId!;
    await client.setCaptionLanguage('fr');
    expect(client.reads).toBe('fr');
    await until(() => participants.some((p) => p.id === firstId && p.reads === 'fr'), 'the room told of the new language');
    expect(server.roomRegistry!.get(room)!.captionLanguages()).toEqual(['fr']);

    client.socket.io.engine.close();
    await until(() => client.peerId !== null && client.peerId !== firstId, 'a new join after the drop');
    await until(() => participants.some((p) => p.id === client.peerId && p.reads === 'fr'), 'the rejoin in French');
    await expect(client.setCaptionLanguage('xx' as 'fr')).rejects.toThrow(/language must be one of/);
    expect(client.reads).toBe('fr');
  });

  it('reports the connection quality from the transports’ statistics', async () => {
    const room = 'client-quality';
    const { client } = speakingClient(room, 'Quinn', {});
    const qualities: string[] = [];
    client.on('quality', (q) => qualities.push(q));
    client.start();
    await client.whenJoined();
    // On loopback nothing is lost and the round trip is short.
    await until(() => qualities.length > 0, 'a quality report', 20_000);
    expect(qualities[0]).toBe('good');
    expect(client.quality).toBe('good');
  });

  it('reports a refused first join once, and stops', async () => {
    const room = 'client-full';
    for (const name of ['A', 'B', 'C']) {
      const p = await WrtcParticipant.join({ url, room, name, speaks: 'en', reads: 'en' });
      cleanup.push(() => p.close());
    }
    const { client } = speakingClient(room, 'Dee');
    const rejected: string[] = [];
    client.on('rejected', (error) => rejected.push(error));
    const joined = client.whenJoined();
    client.start();
    await expect(joined).rejects.toThrow(/is full/);
    expect(rejected).toEqual(['Room "client-full" is full (3 participants).']);
  });
});

describe('RoomClient with two sfu nodes sharing one Redis (real mediasoup, libwebrtc in Node)', () => {
  const nodes: { server: SfuServer; url: string }[] = [];
  const cleanup: (() => unknown)[] = [];

  beforeAll(async () => {
    installWrtcGlobals();
    const ports = [await freePort(), await freePort()];
    for (const [i, id] of ['node-a', 'node-b'].entries()) {
      // A node's own address is part of its config: clients are sent to it by that address.
      const port = ports[i]!;
      const url = `http://127.0.0.1:${port}`;
      const config = loadSfuConfig({
        REDIS_URL: `${inject('redisUrl')}/45`,
        RTC_LISTEN_IP: '127.0.0.1',
        MEDIASOUP_WORKERS: '1',
        NODE_ID: `${id}-${process.pid}`,
        NODE_URL: url,
        NODE_TTL_SECONDS: '2',
        // The page people open is node B's: both nodes accept sockets from it.
        PUBLIC_URL: `http://127.0.0.1:${ports[1]}`,
        LOG_LEVEL: 'silent',
      });
      const server = new SfuServer(config, pino({ level: 'silent' }));
      await server.listen(port, '127.0.0.1');
      nodes.push({ server, url });
    }
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await Promise.all(nodes.map((n) => n.server.close()));
  });

  it('is sent to the node that hosts its room and heard there; when that node stops, it rejoins through its own address on the other', async () => {
    const room = `client-moves-${Date.now()}`;
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    // The room starts on node A: a listener there.
    const listener = await WrtcParticipant.join({ url: a.url, room, name: 'Listener', speaks: 'en', reads: 'en', origin: b.url, reconnect: true });
    cleanup.push(() => listener.close());
    await listener.startListening();

    // A speaker given node B's address is sent to A, keeps its microphone and is heard.
    const source = new wrtc.nonstandard.RTCAudioSource();
    const track = source.createTrack();
    const timer = setInterval(() => {
      const samples = new Int16Array(480);
      for (let i = 0; i < 480; i++) samples[i] = Math.round(8_000 * Math.sin((2 * Math.PI * 500 * i) / 48_000));
      source.onData({ samples, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
    }, 10);
    const client = new RoomClient({
      url: b.url,
      socket: { transports: ['websocket'], extraHeaders: { origin: b.url }, reconnectionDelay: 100, reconnectionDelayMax: 200 },
      join: { room, name: 'Mover', speaks: 'en', reads: 'en' },
      microphone: () => Promise.resolve(track as unknown as MediaStreamTrack),
      handlerName: 'Chrome111',
    });
    const moves: string[] = [];
    client.on('moved', (url) => moves.push(url));
    cleanup.push(() => {
      clearInterval(timer);
      client.close();
      track.stop();
    });
    client.start();
    await client.whenJoined();
    expect(moves).toEqual([a.url]);
    expect(client.nodeUrl).toBe(a.url);
    expect(a.server.roomRegistry!.get(room)!.getPeer(client.peerId!)).toBeDefined();
    expect(b.server.roomRegistry!.get(room)).toBeUndefined();
    await until(() => !!client.producer, 'the microphone producing on node A');
    await listener.waitForRoom(() => listener.remoteAudio(client.peerId!) !== undefined, 'the speaker track');
    const heard = listener.remoteAudio(client.peerId!)!;
    await heard.waitFor(() => heard.hasTone(500), 'the tone through node A');

    // Node A stops: the client goes back to the address it was given (B), which now hosts the room.
    const firstId = client.peerId!;
    await a.server.close();
    await until(() => client.peerId !== null && client.peerId !== firstId, 'a join on node B', 15_000);
    expect(client.nodeUrl).toBeUndefined();
    expect(b.server.roomRegistry!.get(room)!.getPeer(client.peerId!)).toBeDefined();
    await until(() => !!client.producer, 'the microphone producing on node B', 15_000);
    expect(moves).toEqual([a.url]);
  });
});
