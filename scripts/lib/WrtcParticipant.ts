import { RoomClient } from '@parley/client';
import type { Caption, LanguageCode, Participant } from '@parley/protocol';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { RemoteAudioTrack } from './RemoteAudioTrack.js';
import { installWrtcGlobals, wrtc, type WrtcAudioSink, type WrtcAudioSource, type WrtcTrack } from './wrtc.js';

export const FRAME_SAMPLES_48K = 480;

export interface ParticipantOptions {
  url: string;
  room: string;
  name: string;
  speaks: LanguageCode;
  reads: LanguageCode;
  /** Sent as the Origin header, as a browser page on `url` would. */
  origin?: string;
  /** Decode what the server forwards (a sink per remote track); off for participants that only caption. */
  receiveAudio?: boolean;
  /** A socket token for servers with sign-in (fetched again on every reconnect). */
  token?: () => Promise<string>;
  /** Reconnect when the connection drops, as the web app does (off by default: tests of refusals want one try). */
  reconnect?: boolean;
  /** More socket.io client options (the bench's probes swap in a parser that skips rosters). */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * A Node participant with a real WebRTC connection, speaking the same signaling as the web app
 * (the shared RoomClient over libwebrtc): joins, streams PCM in real time, and decodes every other
 * participant's audio.
 */
export class WrtcParticipant {
  readonly captions: Caption[] = [];
  /** Wall-clock arrival time of each caption, by object. */
  readonly arrivedAtMs = new Map<Caption, number>();
  participants: Participant[] = [];
  /** Every activeSpeakers notice, in order. */
  readonly activeSpeakerNotices: string[][] = [];
  peerId = '';
  /** Remote audio tracks received so far (new consumers, also after a media reset). */
  consumersReceived = 0;
  /** Media resets the server announced (a media process died). */
  mediaResets = 0;
  /** Wall-clock time of every join that went through (the first, and each rejoin after a lost connection). */
  readonly joinedAtMs: number[] = [];
  /** Nodes the server sent this participant to, in order. */
  readonly moves: string[] = [];
  /** Every captionsPaused notice: true paused, false resumed. */
  readonly captionsPausedNotices: boolean[] = [];
  readonly client: RoomClient;
  private source: WrtcAudioSource | undefined;
  private track: WrtcTrack | undefined;
  private captionWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  /** Remote audio by the participant it carries. */
  private readonly remote = new Map<string, RemoteAudioTrack>();
  private readonly sinks = new Map<RemoteAudioTrack, WrtcAudioSink>();
  private closed = false;

  private constructor(private readonly options: ParticipantOptions) {
    installWrtcGlobals();
    const token = options.token;
    this.client = new RoomClient({
      url: options.url,
      socket: {
        transports: ['websocket'],
        ...(options.reconnect ? { reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 1_000 } : { reconnection: false }),
        extraHeaders: { origin: options.origin ?? options.url },
        ...(token ? { auth: (cb: (data: object) => void) => void token().then((t) => cb({ token: t })) } : {}),
        ...options.socket,
      },
      join: { room: options.room, name: options.name, speaks: options.speaks, reads: options.reads },
      handlerName: 'Chrome111',
      manualMedia: true,
    });
    const client = this.client;
    client.on('caption', (caption) => {
      this.captions.push(caption);
      this.arrivedAtMs.set(caption, Date.now());
      for (const wake of this.captionWaiters.splice(0)) wake();
    });
    client.on('participants', (p) => {
      this.participants = p;
      this.wakeRoomWaiters();
    });
    client.on('activeSpeakers', (ids) => {
      this.activeSpeakerNotices.push(ids);
      this.wakeRoomWaiters();
    });
    client.on('remoteTrack', (peerId, track) => this.onRemoteTrack(peerId, track as unknown as WrtcTrack));
    client.on('remoteTrackEnded', (peerId) => {
      const remote = this.remote.get(peerId);
      if (remote) this.dropRemote(peerId, remote);
      this.wakeRoomWaiters();
    });
    client.on('mediaReset', () => {
      this.mediaResets += 1;
      this.wakeRoomWaiters();
    });
    client.on('joined', (reply) => {
      this.peerId = reply.peerId;
      this.joinedAtMs.push(Date.now());
      this.wakeRoomWaiters();
    });
    client.on('moved', (url) => {
      this.moves.push(url);
      this.wakeRoomWaiters();
    });
    client.on('captionsPaused', (paused) => {
      this.captionsPausedNotices.push(paused);
      this.wakeRoomWaiters();
    });
  }

  static async join(options: ParticipantOptions): Promise<WrtcParticipant> {
    const participant = new WrtcParticipant(options);
    const joined = participant.client.whenJoined();
    const refused = new Promise<never>((_, reject) => participant.client.socket.once('connect_error', reject));
    participant.client.start();
    try {
      const reply = await Promise.race([joined, refused]);
      participant.peerId = reply.peerId;
    } catch (error) {
      await participant.close();
      throw new Error(`join failed: ${(error as Error).message}`);
    }
    return participant;
  }

  /** Opens the microphone: a send transport whose audio comes from `sendPcm`. */
  async startMicrophone(): Promise<void> {
    this.source = new wrtc.nonstandard.RTCAudioSource();
    this.track = this.source.createTrack();
    const track = this.track as unknown as MediaStreamTrack;
    await this.client.startMedia(() => Promise.resolve(track));
  }

  /** Listen-only: a receive transport, no microphone. */
  async startListening(): Promise<void> {
    await this.client.startMedia();
  }

  private onRemoteTrack(peerId: string, track: WrtcTrack): void {
    this.consumersReceived += 1;
    const old = this.remote.get(peerId);
    if (old) this.dropRemote(peerId, old);
    const remote = new RemoteAudioTrack(track);
    remote.setStream(peerId);
    this.remote.set(peerId, remote);
    if (this.options.receiveAudio !== false) {
      const sink = new wrtc.nonstandard.RTCAudioSink(track);
      sink.ondata = (data) => remote.push(data.samples, data.sampleRate, data.channelCount);
      this.sinks.set(remote, sink);
    }
    this.wakeRoomWaiters();
  }

  private dropRemote(peerId: string, remote: RemoteAudioTrack): void {
    this.remote.delete(peerId);
    this.sinks.get(remote)?.stop();
    this.sinks.delete(remote);
    remote.setStream(undefined);
  }

  private wakeRoomWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /** Participant ids whose audio is arriving now. */
  remoteStreamIds(): string[] {
    return [...this.remote.keys()];
  }

  /** The remote audio currently carrying `participantId`'s stream. */
  remoteAudio(participantId: string): RemoteAudioTrack | undefined {
    return this.remote.get(participantId);
  }

  /** RTP packets received over the receive transport (from its WebRTC stats). */
  async packetsReceived(): Promise<number> {
    const recv = this.client.transports.recv;
    if (!recv || recv.closed) return 0;
    let total = 0;
    for (const stat of (await recv.getStats()).values() as Iterable<{ type: string; kind?: string; packetsReceived?: number }>) {
      if (stat.type === 'inbound-rtp' && stat.kind === 'audio') total += stat.packetsReceived ?? 0;
    }
    return total;
  }

  /** Tells the server to pause (or resume) this participant's audio; with `localTrack`, also silences the track here. */
  async setMuted(muted: boolean, { localTrack = false }: { localTrack?: boolean } = {}): Promise<void> {
    if (localTrack && this.track) this.track.enabled = !muted;
    await this.client.setMuted(muted, { pauseLocally: localTrack });
  }

  /** New ICE credentials on every transport, as after a network change. */
  async restartIce(): Promise<void> {
    await this.client.restartIce();
  }

  /**
   * Sends 48 kHz mono PCM in 10 ms frames paced to the wall clock (as a microphone would);
   * resolves with the wall-clock time at which the last frame was handed over. `onFrame` is called
   * with each frame's index just before the frame is handed to the encoder.
   */
  async sendPcm(samples48k: Int16Array, onFrame?: (frameIndex: number) => void): Promise<number> {
    const source = this.source;
    if (!source) throw new Error('startMicrophone() first');
    const frames = Math.ceil(samples48k.length / FRAME_SAMPLES_48K);
    const startMs = performance.now();
    for (let i = 0; i < frames && !this.closed; i++) {
      const frame = new Int16Array(FRAME_SAMPLES_48K);
      frame.set(samples48k.subarray(i * FRAME_SAMPLES_48K, (i + 1) * FRAME_SAMPLES_48K));
      onFrame?.(i);
      source.onData({ samples: frame, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES_48K });
      const aheadMs = startMs + (i + 1) * 10 - performance.now();
      if (aheadMs > 1) await new Promise((r) => setTimeout(r, aheadMs));
    }
    return Date.now();
  }

  sendSilence(seconds: number): Promise<number> {
    return this.sendPcm(new Int16Array(Math.round(seconds * 48_000)));
  }

  /** Speaks each recording (48 kHz mono) in turn with `pauseSeconds` of silence after it: a phrase apiece. */
  async speakPhrases(recordings: Int16Array[], pauseSeconds = 2): Promise<void> {
    for (const samples of recordings) {
      await this.sendPcm(samples);
      await this.sendSilence(pauseSeconds);
    }
  }

  /**
   * Sends a sine tone in real time until the returned function is called (or the participant
   * closes); resolves that function's promise when the last frame has gone.
   */
  playTone(frequencyHz: number, amplitude = 0.25): () => Promise<void> {
    const source = this.source;
    if (!source) throw new Error('startMicrophone() first');
    let stopped = false;
    const done = (async () => {
      const startMs = performance.now();
      for (let i = 0; !stopped && !this.closed; i++) {
        const frame = new Int16Array(FRAME_SAMPLES_48K);
        for (let n = 0; n < FRAME_SAMPLES_48K; n++) {
          frame[n] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequencyHz * (i * FRAME_SAMPLES_48K + n)) / 48_000));
        }
        source.onData({ samples: frame, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES_48K });
        const aheadMs = startMs + (i + 1) * 10 - performance.now();
        if (aheadMs > 1) await new Promise((r) => setTimeout(r, aheadMs));
      }
    })();
    return () => {
      stopped = true;
      return done;
    };
  }

  /** Resolves with the first caption (already received or to come) that matches. */
  async waitForCaption(match: (c: Caption) => boolean, timeoutMs = 30_000): Promise<Caption> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.captions.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching caption within ${timeoutMs} ms (got ${this.captions.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.captionWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once `condition` holds; checked whenever participants, active speakers, remote tracks, joins or moves change. */
  async waitForRoom(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.options.name}: ${what} did not happen within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.roomWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sink of this.sinks.values()) sink.stop();
    this.sinks.clear();
    this.client.close();
    this.track?.stop();
  }
}
