import { io, type Socket } from 'socket.io-client';
import type { Ack, Caption, ClientToServerEvents, JoinReply, LanguageCode, Participant, ServerToClientEvents } from '@parley/protocol';
import { RemoteAudioTrack } from './RemoteAudioTrack.js';
import { iceGatheringComplete, wrtc, type WrtcAudioSink, type WrtcAudioSource, type WrtcPeerConnection, type WrtcTrack } from './wrtc.js';

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
}

/**
 * A Node participant with a real WebRTC connection: joins over socket.io, streams PCM in real time,
 * answers the server's renegotiations and decodes every other participant's audio.
 */
export class WrtcParticipant {
  readonly captions: Caption[] = [];
  /** Wall-clock arrival time of each caption, by object. */
  readonly arrivedAtMs = new Map<Caption, number>();
  participants: Participant[] = [];
  /** Every activeSpeakers notice, in order. */
  readonly activeSpeakerNotices: string[][] = [];
  peerId = '';
  /** Server offers answered so far. */
  renegotiations = 0;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private pc: WrtcPeerConnection | undefined;
  private source: WrtcAudioSource | undefined;
  private track: WrtcTrack | undefined;
  private captionWaiters: (() => void)[] = [];
  private participantWaiters: (() => void)[] = [];
  /** Remote audio by the transceiver's mid; one sink each, whatever stream the server puts on it. */
  private readonly remote = new Map<string, RemoteAudioTrack>();
  private readonly sinks: WrtcAudioSink[] = [];
  /** Offers and answers one at a time: a server offer waits until our own offer is answered. */
  private signaling: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: ParticipantOptions) {
    this.socket = io(options.url, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin: options.origin ?? options.url },
    });
    this.socket.on('caption', (caption) => {
      this.captions.push(caption);
      this.arrivedAtMs.set(caption, Date.now());
      for (const wake of this.captionWaiters.splice(0)) wake();
    });
    this.socket.on('participants', (p) => {
      this.participants = p;
      this.wakeRoomWaiters();
    });
    this.socket.on('activeSpeakers', ({ ids }) => {
      this.activeSpeakerNotices.push(ids);
      this.wakeRoomWaiters();
    });
    this.socket.on('renegotiate', (request, ack) => {
      this.signaling = this.signaling.then(() => this.answerServerOffer(request.description.sdp, ack));
    });
  }

  static async join(options: ParticipantOptions): Promise<WrtcParticipant> {
    const participant = new WrtcParticipant(options);
    await participant.joinRoom();
    return participant;
  }

  private async joinRoom(): Promise<void> {
    const { room, name, speaks, reads } = this.options;
    const reply = await new Promise<Ack<JoinReply>>((resolve, reject) => {
      this.socket.once('connect_error', reject);
      this.socket.emit('join', { room, name, speaks, reads }, resolve);
    });
    if (!reply.ok) throw new Error(`join failed: ${reply.error}`);
    this.peerId = reply.peerId;
    this.participants = reply.participants;
  }

  /** Opens the microphone: a WebRTC connection whose audio comes from `sendPcm`. */
  async startMicrophone(): Promise<void> {
    this.source = new wrtc.nonstandard.RTCAudioSource();
    this.track = this.source.createTrack();
    await this.connect((pc) => pc.addTrack(this.track!, new wrtc.MediaStream()));
  }

  /** Listen-only: a receive-only WebRTC connection (no microphone). */
  async startListening(): Promise<void> {
    await this.connect((pc) => pc.addTransceiver('audio', { direction: 'recvonly' }));
  }

  private async connect(addMedia: (pc: WrtcPeerConnection) => void): Promise<void> {
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.ontrack = (event) => this.onTrack(event.track, event.streams[0]?.id, event.transceiver?.mid ?? null);
    addMedia(pc);
    const firstExchange = (async () => {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await iceGatheringComplete(pc);
      const reply = await new Promise<Ack<{ description: { type: string; sdp: string } }>>((resolve) =>
        this.socket.emit('offer', { description: { type: 'offer', sdp: pc.localDescription!.sdp } }, resolve),
      );
      if (!reply.ok) throw new Error(`offer failed: ${reply.error}`);
      await pc.setRemoteDescription(reply.description);
    })();
    this.signaling = firstExchange.catch(() => undefined);
    const connected = this.waitForConnection(pc);
    await firstExchange;
    await connected;
  }

  private waitForConnection(pc: WrtcPeerConnection): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`WebRTC did not connect (state ${pc.connectionState})`)), 15_000);
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (pc.connectionState === 'failed') {
          clearTimeout(timer);
          reject(new Error('WebRTC connection failed'));
        }
      };
    });
  }

  private async answerServerOffer(sdp: string, ack: (reply: unknown) => void): Promise<void> {
    const pc = this.pc;
    if (!pc || this.closed) return;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      // An ICE restart gathers new candidates, and the server takes none trickled: the answer carries them.
      await iceGatheringComplete(pc);
      this.renegotiations += 1;
      ack({ description: { type: 'answer', sdp: pc.localDescription!.sdp } });
      this.syncRemoteTracks(pc);
    } catch (error) {
      ack({ error: (error as Error).message });
    }
  }

  private onTrack(track: WrtcTrack, streamId: string | undefined, mid: string | null): void {
    if (this.options.receiveAudio === false || mid === null || streamId === undefined) return;
    let remote = this.remote.get(mid);
    if (!remote || remote.track !== track) {
      remote = new RemoteAudioTrack(track);
      this.remote.set(mid, remote);
      const sink = new wrtc.nonstandard.RTCAudioSink(track);
      const target = remote;
      sink.ondata = (data) => target.push(data.samples, data.sampleRate, data.channelCount);
      this.sinks.push(sink);
    }
    remote.setStream(streamId);
    this.wakeRoomWaiters();
  }

  private wakeRoomWaiters(): void {
    for (const wake of this.participantWaiters.splice(0)) wake();
  }

  /** Transceivers the server stopped sending on no longer carry their stream. */
  private syncRemoteTracks(pc: WrtcPeerConnection): void {
    for (const transceiver of pc.getTransceivers()) {
      const remote = transceiver.mid === null ? undefined : this.remote.get(transceiver.mid);
      if (!remote) continue;
      const receiving = transceiver.currentDirection === 'recvonly' || transceiver.currentDirection === 'sendrecv';
      if (!receiving) remote.setStream(undefined);
    }
    this.wakeRoomWaiters();
  }

  /** Stream ids (= participant ids) whose audio is arriving now. */
  remoteStreamIds(): string[] {
    return [...this.remote.values()].map((r) => r.streamId).filter((id): id is string => id !== undefined);
  }

  /** The remote audio currently carrying `participantId`'s stream. */
  remoteAudio(participantId: string): RemoteAudioTrack | undefined {
    return [...this.remote.values()].find((r) => r.streamId === participantId);
  }

  /** RTP packets received over all remote audio (from WebRTC stats). */
  async packetsReceived(): Promise<number> {
    if (!this.pc) return 0;
    let total = 0;
    for (const stat of (await this.pc.getStats()).values()) {
      if (stat.type === 'inbound-rtp' && stat.kind === 'audio') total += stat.packetsReceived ?? 0;
    }
    return total;
  }

  /** Tells the server to pause (or resume) this participant's audio; with `localTrack`, also silences the track here. */
  async setMuted(muted: boolean, { localTrack = false }: { localTrack?: boolean } = {}): Promise<void> {
    if (localTrack && this.track) this.track.enabled = !muted;
    const reply = await new Promise<Ack<object>>((resolve) => this.socket.emit('mute', { muted }, resolve));
    if (!reply.ok) throw new Error(`mute failed: ${reply.error}`);
  }

  async restartIce(): Promise<void> {
    const reply = await new Promise<Ack<object>>((resolve) => this.socket.emit('restartIce', resolve));
    if (!reply.ok) throw new Error(`restartIce failed: ${reply.error}`);
  }

  /**
   * Sends 48 kHz mono PCM in 10 ms frames paced to the wall clock (as a microphone would);
   * resolves with the wall-clock time at which the last frame was handed over.
   */
  async sendPcm(samples48k: Int16Array): Promise<number> {
    const source = this.source;
    if (!source) throw new Error('startMicrophone() first');
    const frames = Math.ceil(samples48k.length / FRAME_SAMPLES_48K);
    const startMs = performance.now();
    for (let i = 0; i < frames && !this.closed; i++) {
      const frame = new Int16Array(FRAME_SAMPLES_48K);
      frame.set(samples48k.subarray(i * FRAME_SAMPLES_48K, (i + 1) * FRAME_SAMPLES_48K));
      source.onData({ samples: frame, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES_48K });
      const aheadMs = startMs + (i + 1) * 10 - performance.now();
      if (aheadMs > 1) await new Promise((r) => setTimeout(r, aheadMs));
    }
    return Date.now();
  }

  sendSilence(seconds: number): Promise<number> {
    return this.sendPcm(new Int16Array(Math.round(seconds * 48_000)));
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

  /** Resolves once `condition` holds; checked whenever participants, active speakers or remote tracks change. */
  async waitForRoom(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.options.name}: ${what} did not happen within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.participantWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sink of this.sinks) sink.stop();
    this.track?.stop();
    this.pc?.close();
    this.socket.disconnect();
  }
}
