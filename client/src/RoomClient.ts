import { Device, type types } from 'mediasoup-client';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import {
  joinMoveSchema,
  newConsumerSchema,
  transportInfoSchema,
  type Caption,
  type HostRequest,
  type JoinReply,
  type JoinRequest,
  type NewConsumer,
  type Participant,
  type RoomEngines,
  type TransportInfo,
} from '@parley/protocol';
import type { ConnectionQuality } from './connectionQuality.js';
import { Emitter } from './Emitter.js';
import { NodeLink } from './NodeLink.js';
import { listenToServer } from './listenToServer.js';
import { QualityMonitor } from './QualityMonitor.js';
import { RequestError, SignalingClient, type ParleySocket } from './SignalingClient.js';

export type ConnectionState = 'connecting' | 'connected' | 'failed';
export type MicState = 'off' | 'starting' | 'live' | 'unavailable';

export interface RoomClientOptions {
  /** The Parley server; undefined: the page's own origin. */
  url?: string;
  /** socket.io options (transports, extra headers for Node clients, the `auth` callback…); used for every node. */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /**
   * Called for each socket the client opens (one per node it is sent to), to listen for events of
   * its own (host controls, token renewal); returns what to undo when the client drops that socket.
   */
  onSocket?: (socket: ParleySocket) => (() => void) | void;
  join: JoinRequest;
  /** Opens the microphone (asked once, kept across reconnects); none: listen-only. */
  microphone?: () => Promise<MediaStreamTrack>;
  /**
   * Join without audio until startMedia() is called (a participant that only reads captions, or
   * decides later whether to speak). The web app sets audio up at once.
   */
  manualMedia?: boolean;
  /** mediasoup-client's handler; Node clients have no user agent to detect it from. */
  handlerName?: types.BuiltinHandlerName;
  joinTimeoutMs?: number;
  /** How often the transports' statistics are read for the `quality` event. */
  qualityIntervalMs?: number;
}

export interface RoomClientEvents {
  connection: [state: ConnectionState, problem: string | null, canRetry: boolean];
  joined: [JoinReply];
  /** The very first join was refused (a wrong room name, a full room…): nothing more will happen. */
  rejected: [error: string];
  /** The server ended this session for good (its sentence). */
  ended: [message: string];
  participants: [Participant[]];
  caption: [Caption];
  activeSpeakers: [string[]];
  engines: [RoomEngines];
  captionsDelayed: [backlog: number];
  /** The server lost (true) or regained (false) its caption pipeline; speech meanwhile is captioned later. */
  captionsPaused: [paused: boolean];
  /** The room lives on another node: the client now talks to `url` (it was sent there). */
  moved: [url: string];
  mic: [state: MicState, error?: unknown];
  muted: [boolean];
  /** The room's owner muted this participant (`muted` follows). */
  mutedByHost: [];
  /** Another participant's audio arrived; the track's stream is theirs. */
  remoteTrack: [peerId: string, track: MediaStreamTrack];
  remoteTrackEnded: [peerId: string];
  /** A transport's ICE/DTLS state (diagnostics, and the ICE restarts it triggers). */
  transportState: [direction: 'send' | 'recv', state: types.ConnectionState];
  /** The server rebuilt this room's media; the client is setting its transports up again. */
  mediaReset: [reason: string];
  /** How well the audio connection carries sound (packet loss, round-trip time); on change only. */
  quality: [ConnectionQuality];
}

interface MediaSetup {
  epoch: number;
  device: Device;
  send?: types.Transport;
  recv: types.Transport;
  producer?: types.Producer;
  consumers: Map<string, { consumer: types.Consumer; peerId: string }>;
  restarting: Set<string>;
}

const FAILED_MEDIA_MESSAGE =
  'The audio connection to the server failed. The network may be blocking it: try again, try another network, or ask whoever runs this Parley server to set up a TURN relay.';
const MEDIA_WAIT_MS = 10_000;
/**
 * Nodes a join may be sent on to in a row before it gives up (the live nodes disagree on where the
 * room lives). A move to a node that turns out lost does not count: the way back is paced by NodeLink.
 */
const MAX_MOVES = 3;
const QUALITY_INTERVAL_MS = 4_000;

/**
 * One stay in a room, shared by the web app and Node participants: socket.io signaling, the
 * mediasoup-client transports, the microphone's producer and a consumer per other speaker. If
 * the socket drops, socket.io reconnects and the join runs again with the same microphone; if the
 * server loses the room's media it says so and the transports are set up again.
 */
export class RoomClient extends Emitter<RoomClientEvents> {
  private readonly link: NodeLink;
  private readonly signaling: SignalingClient;
  /** Moves since the last join that went through. */
  private moves = 0;
  private media: MediaSetup | undefined;
  private mediaWaiters: (() => void)[] = [];
  private mic: MediaStreamTrack | undefined;
  private micRequest: Promise<MediaStreamTrack | undefined> | undefined;
  private mutedValue = false;
  /** Whether transports should exist, and with which microphone (undefined: listen-only). */
  private mediaWanted: { microphone?: () => Promise<MediaStreamTrack> } | undefined;
  /** Bumped whenever a join or a media setup is superseded, so its in-flight steps give up. */
  private epoch = 0;
  private joinedOnce = false;
  private lastJoin: Pick<JoinReply, 'routerRtpCapabilities' | 'iceServers' | 'opusDtx'> | undefined;
  private ended = false;
  private closed = false;
  /** What the next (re)join asks for: the caption language can change while in the room. */
  private joinRequest: JoinRequest;
  private readonly qualityMonitor: QualityMonitor;
  peerId: string | null = null;

  constructor(private readonly options: RoomClientOptions) {
    super();
    this.joinRequest = { ...options.join };
    this.qualityMonitor = new QualityMonitor(options.qualityIntervalMs ?? QUALITY_INTERVAL_MS, (quality) => {
      if (!this.closed) this.emit('quality', quality);
    });
    if (!options.manualMedia) this.mediaWanted = { microphone: options.microphone };
    this.link = new NodeLink({ url: options.url, socket: options.socket, wire: (socket) => this.wire(socket) });
    this.signaling = new SignalingClient(() => this.link.socket);
    this.link.on('connect', () => void this.join());
    this.link.on('disconnect', (reason) => this.onDisconnect(reason));
    this.link.on('connect_error', (error) => this.onConnectError(error));
    this.link.on('nodeLost', () => (this.moves = 0));
  }

  /** The socket to the node serving the room now (it changes when the client is sent to another node). */
  get socket(): ParleySocket {
    return this.link.socket;
  }

  /** The node this client was sent to, or undefined while it talks to the address it was given. */
  get nodeUrl(): string | undefined {
    return this.link.nodeUrl;
  }

  /** Listens to the server's events on one socket; what the server sends is checked like what it receives. */
  private wire(socket: ParleySocket): (() => void) | void {
    listenToServer(socket, {
      emit: (event, ...args) => {
        if (event !== 'caption' || !this.closed) this.emit(event, ...args);
      },
      fatal: (message) => this.end(message),
      newConsumer: (consumer, ack) => void this.onNewConsumer(consumer, ack),
      consumerClosed: (consumerId) => this.onConsumerClosed(consumerId),
      mediaReset: (reason) => void this.onMediaReset(reason),
      roomMoved: (url) => {
        if (socket === this.link.socket) this.moveTo(url);
      },
    });
    socket.on('mutedByHost', () => {
      if (this.closed) return;
      this.emit('mutedByHost');
      // The server has paused the producer already; pausing here too stops sending at all.
      void this.setMuted(true).catch(() => undefined);
    });
    return this.options.onSocket?.(socket);
  }

  get muted(): boolean {
    return this.mutedValue;
  }

  /** The language captions arrive in. */
  get reads(): JoinRequest['reads'] {
    return this.joinRequest.reads;
  }

  /** The last measured connection quality (undefined until measured). */
  get quality(): ConnectionQuality | undefined {
    return this.qualityMonitor.quality;
  }

  /** The microphone's producer, while there is one. */
  get producer(): types.Producer | undefined {
    return this.media?.producer;
  }

  /** The current transports (tests read their ICE parameters and stats). */
  get transports(): { send?: types.Transport; recv?: types.Transport } {
    return { send: this.media?.send, recv: this.media?.recv };
  }

  start(): void {
    this.link.start();
  }

  /** Resolves once joined (rejects if the join is refused or the session ends first). */
  whenJoined(): Promise<JoinReply> {
    const last = this.lastJoin;
    if (last && this.peerId) return Promise.resolve(last as JoinReply);
    return new Promise((resolve, reject) => {
      const offs = [
        this.on('joined', (reply) => done(() => resolve(reply))),
        this.on('rejected', (error) => done(() => reject(new Error(error)))),
        this.on('ended', (message) => done(() => reject(new Error(message)))),
      ];
      const done = (settle: () => void): void => {
        for (const off of offs) off();
        settle();
      };
    });
  }

  /** Sets audio up now (with `microphone`, or listen-only); with manualMedia, the only way it starts. */
  async startMedia(microphone?: () => Promise<MediaStreamTrack>): Promise<void> {
    this.mediaWanted = { microphone };
    const lastJoin = this.lastJoin;
    if (!lastJoin || !this.peerId) throw new Error('join the room first');
    const epoch = ++this.epoch;
    this.teardownMedia();
    await this.setUpMedia(epoch, lastJoin);
  }

  /**
   * Asks the server to stop forwarding and captioning the microphone, and stops sending it here
   * too (`pauseLocally: false` leaves the sending alone: tests of the server's side use it).
   */
  setMuted(muted: boolean, { pauseLocally = true }: { pauseLocally?: boolean } = {}): Promise<void> {
    this.mutedValue = muted;
    this.emit('muted', muted);
    const producer = this.media?.producer;
    if (pauseLocally && producer && !producer.closed) {
      if (muted) producer.pause();
      else producer.resume();
    }
    if (!this.socket.connected || !this.peerId) return Promise.resolve();
    return this.signaling.request('mute', { muted }).then(() => undefined);
  }

  /**
   * Reads captions in another language from the next utterance on, without rejoining; a rejoin
   * after a lost connection keeps the new language.
   */
  async setCaptionLanguage(reads: JoinRequest['reads']): Promise<void> {
    const previous = this.joinRequest.reads;
    this.joinRequest = { ...this.joinRequest, reads };
    if (!this.socket.connected || !this.peerId) return;
    try {
      await this.signaling.request('setCaptionLanguage', { reads });
    } catch (error) {
      if (this.joinRequest.reads === reads) this.joinRequest = { ...this.joinRequest, reads: previous };
      throw error;
    }
  }

  /** The room's owner locks the room, or mutes or removes someone (refused for anyone else). */
  async host(request: HostRequest): Promise<void> {
    await this.signaling.request('host', request);
  }

  /** New ICE credentials for every transport (the network changed: Wi-Fi to mobile, VPN…). */
  async restartIce(): Promise<void> {
    const media = this.media;
    if (!media) return;
    await Promise.all([media.send, media.recv].filter((t): t is types.Transport => !!t).map((t) => this.restartTransportIce(media, t)));
  }

  /** Starts over from a clean socket; the server forgets a peer whose socket went away. */
  retry(): void {
    if (this.ended || this.closed) return;
    this.epoch += 1;
    this.moves = 0;
    this.teardownMedia();
    this.emit('connection', 'connecting', null, false);
    this.link.restart();
  }

  /** Leaves the room; the microphone track is stopped unless `keepMicrophone`. */
  close({ keepMicrophone = false }: { keepMicrophone?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.epoch += 1;
    this.teardownMedia();
    if (!keepMicrophone) this.mic?.stop();
    // Leaving explicitly frees the seat at once; the disconnect alone would too, just later.
    if (this.link.socket.connected) this.link.socket.emit('leave');
    this.link.close();
    for (const wake of this.mediaWaiters.splice(0)) wake();
    this.removeAllListeners();
  }

  private async join(): Promise<void> {
    const epoch = ++this.epoch;
    this.teardownMedia();
    this.emit('connection', 'connecting', null, false);
    let reply: JoinReply;
    try {
      const request = this.joinedOnce ? { ...this.joinRequest, rejoin: true } : this.joinRequest;
      const answer = await this.signaling.request('join', request, this.options.joinTimeoutMs ?? 10_000);
      if ('moveTo' in answer) {
        if (epoch !== this.epoch || this.closed) return;
        // The ack carries `ok` too: only the address is checked (and followed).
        const move = joinMoveSchema.safeParse({ moveTo: answer.moveTo });
        if (!move.success || ++this.moves > MAX_MOVES) {
          this.moves = 0;
          this.emit('connection', 'failed', 'The servers could not agree where this room lives; try again in a moment.', true);
          return;
        }
        this.moveTo(move.data.moveTo);
        return;
      }
      reply = answer;
    } catch (error) {
      if (epoch !== this.epoch || this.closed) return;
      const message = (error as Error).message;
      if (!this.joinedOnce && error instanceof RequestError && !error.unanswered) {
        this.emit('rejected', message);
        this.close();
        return;
      }
      this.emit('connection', 'failed', message, true);
      return;
    }
    if (epoch !== this.epoch || this.closed) return;
    this.joinedOnce = true;
    this.moves = 0;
    this.link.settled();
    this.peerId = reply.peerId;
    this.lastJoin = reply;
    this.emit('joined', reply);
    this.emit('participants', reply.participants);
    if (!this.mediaWanted) {
      this.emit('connection', 'connected', null, false);
      return;
    }
    await this.setUpMedia(epoch, reply).catch(() => undefined);
  }

  /** Rejects (after saying so through "connection") when the audio could not be set up. */
  private async setUpMedia(epoch: number, reply: Pick<JoinReply, 'routerRtpCapabilities' | 'iceServers' | 'opusDtx'>): Promise<void> {
    try {
      const microphone = this.mediaWanted?.microphone;
      const mic = microphone ? await this.microphone(microphone) : undefined;
      if (epoch !== this.epoch) return;
      const device = new Device(this.options.handlerName ? { handlerName: this.options.handlerName } : {});
      await device.load({ routerRtpCapabilities: reply.routerRtpCapabilities as types.RtpCapabilities });
      const transports = await this.signaling.request('createTransports', { rtpCapabilities: device.rtpCapabilities, send: !!mic });
      if (epoch !== this.epoch) return;
      const iceServers = reply.iceServers as RTCIceServer[];
      const recv = device.createRecvTransport({ ...checkedTransport(transports.recv), iceServers });
      const setup: MediaSetup = { epoch, device, recv, consumers: new Map(), restarting: new Set() };
      this.wireTransport(setup, recv, 'recv');
      if (mic && transports.send) {
        setup.send = device.createSendTransport({ ...checkedTransport(transports.send), iceServers });
        this.wireTransport(setup, setup.send, 'send');
      }
      this.media = setup;
      this.qualityMonitor.start(() => [setup.send, setup.recv]);
      for (const wake of this.mediaWaiters.splice(0)) wake();
      if (setup.send && mic) {
        setup.producer = await setup.send.produce({
          track: mic,
          stopTracks: false,
          codecOptions: { opusStereo: false, opusFec: true, opusDtx: reply.opusDtx === true },
        });
        if (this.mutedValue) {
          setup.producer.pause();
          await this.signaling.request('mute', { muted: true });
        }
      }
      if (epoch === this.epoch) this.emit('connection', 'connected', null, false);
    } catch (error) {
      if (epoch !== this.epoch || this.closed) return;
      const message = `The audio could not be set up: ${(error as Error).message}`;
      this.emit('connection', 'failed', message, true);
      throw new Error(message);
    }
  }

  private wireTransport(setup: MediaSetup, transport: types.Transport, direction: 'send' | 'recv'): void {
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.signaling.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
        this.signaling.request('produce', { transportId: transport.id, kind, rtpParameters }).then((r) => callback({ id: r.producerId }), errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      if (setup !== this.media) return;
      this.emit('transportState', direction, state);
      if (state === 'failed' || state === 'disconnected') void this.restartTransportIce(setup, transport);
      else if (state === 'connected') this.emit('connection', 'connected', null, false);
    });
  }

  private async restartTransportIce(setup: MediaSetup, transport: types.Transport): Promise<void> {
    if (setup.restarting.has(transport.id) || transport.closed) return;
    setup.restarting.add(transport.id);
    try {
      const { iceParameters } = await this.signaling.request('restartIce', { transportId: transport.id });
      if (setup === this.media && !transport.closed) await transport.restartIce({ iceParameters: iceParameters as types.IceParameters });
    } catch (error) {
      if (setup === this.media && transport.connectionState === 'failed') {
        this.emit('connection', 'failed', `${FAILED_MEDIA_MESSAGE} (${(error as Error).message})`, true);
      }
    } finally {
      setup.restarting.delete(transport.id);
    }
  }

  private async onNewConsumer(raw: unknown, ack: (reply: unknown) => void): Promise<void> {
    if (typeof ack !== 'function') return;
    const parsed = newConsumerSchema.safeParse(raw);
    if (!parsed.success) {
      ack({ ok: false, error: 'malformed consumer' });
      return;
    }
    const consumer: NewConsumer = parsed.data;
    try {
      const setup = await this.waitForMedia();
      const created = await setup.recv.consume({
        id: consumer.consumerId,
        producerId: consumer.producerId,
        kind: 'audio',
        rtpParameters: consumer.rtpParameters as types.RtpParameters,
        streamId: consumer.peerId,
      });
      if (setup !== this.media) {
        created.close();
        throw new Error('the connection was reset');
      }
      setup.consumers.set(consumer.consumerId, { consumer: created, peerId: consumer.peerId });
      ack({ ok: true });
      this.emit('remoteTrack', consumer.peerId, created.track);
    } catch (error) {
      ack({ ok: false, error: (error as Error).message });
    }
  }

  private onConsumerClosed(consumerId: unknown): void {
    const setup = this.media;
    if (typeof consumerId !== 'string' || !setup) return;
    const entry = setup.consumers.get(consumerId);
    if (!entry) return;
    setup.consumers.delete(consumerId);
    entry.consumer.close();
    this.emit('remoteTrackEnded', entry.peerId);
  }

  /** Connects to the node that hosts the room and joins there; the microphone is kept. */
  private moveTo(url: string): void {
    if (this.closed || this.ended) return;
    this.epoch += 1;
    this.teardownMedia();
    this.peerId = null;
    this.emit('moved', url);
    this.emit('connection', 'connecting', null, false);
    this.link.moveTo(url);
  }

  private async onMediaReset(reason: string): Promise<void> {
    const lastJoin = this.lastJoin;
    if (this.closed || !this.peerId || !lastJoin) return;
    const epoch = ++this.epoch;
    this.teardownMedia();
    this.emit('mediaReset', reason);
    this.emit('connection', 'connecting', reason || null, false);
    // The peer stays in the room; only its transports are new (on a new router, same codecs).
    if (this.mediaWanted) await this.setUpMedia(epoch, lastJoin).catch(() => undefined);
  }

  private waitForMedia(): Promise<MediaSetup> {
    const deadline = Date.now() + MEDIA_WAIT_MS;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.closed) return reject(new Error('the session closed'));
        if (this.media) return resolve(this.media);
        const left = deadline - Date.now();
        if (left <= 0) return reject(new Error('the receive transport was not ready in time'));
        const timer = setTimeout(check, left);
        this.mediaWaiters.push(() => {
          clearTimeout(timer);
          check();
        });
      };
      check();
    });
  }

  private microphone(open: () => Promise<MediaStreamTrack>): Promise<MediaStreamTrack | undefined> {
    if (this.mic && this.mic.readyState === 'live') return Promise.resolve(this.mic);
    this.micRequest ??= (async () => {
      this.emit('mic', 'starting');
      try {
        const track = await open();
        this.mic = track;
        this.emit('mic', 'live');
        return track;
      } catch (error) {
        this.emit('mic', 'unavailable', error);
        return undefined;
      } finally {
        this.micRequest = undefined;
      }
    })();
    return this.micRequest;
  }

  private teardownMedia(): void {
    const setup = this.media;
    this.media = undefined;
    this.qualityMonitor.stop();
    if (!setup) return;
    for (const { peerId } of setup.consumers.values()) this.emit('remoteTrackEnded', peerId);
    setup.consumers.clear();
    setup.send?.close();
    setup.recv.close();
  }

  private onDisconnect(reason: string): void {
    this.epoch += 1;
    this.teardownMedia();
    this.peerId = null;
    if (this.closed || this.ended) return;
    if (reason === 'io server disconnect') return; // a fatal message explains it
    this.emit('connection', 'connecting', 'The connection to the server was lost; reconnecting…', false);
  }

  private onConnectError(error: Error): void {
    if (this.closed || this.ended) return;
    const message = error.message.includes('xhr poll error') || error.message.includes('websocket error')
      ? 'The Parley server cannot be reached; trying again…'
      : `The server refused the connection: ${error.message}`;
    this.emit('connection', 'connecting', message, false);
  }

  private end(message: string): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.emit('ended', message);
    this.emit('connection', 'failed', message, false);
    this.close({ keepMicrophone: true });
  }
}

function checkedTransport(info: TransportInfo): TransportInfo & { iceCandidates: types.IceCandidate[]; dtlsParameters: types.DtlsParameters } {
  return transportInfoSchema.parse(info) as TransportInfo & { iceCandidates: types.IceCandidate[]; dtlsParameters: types.DtlsParameters };
}
