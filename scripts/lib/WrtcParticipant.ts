import { createRequire } from 'node:module';
import { io, type Socket } from 'socket.io-client';
import type { Ack, Caption, ClientToServerEvents, JoinReply, LanguageCode, Participant, ServerToClientEvents } from '@parley/protocol';

// libwebrtc in Node: a real WebRTC endpoint for tests and benches (its types assume the DOM).
interface WrtcTrack { stop(): void }
interface WrtcAudioSource { createTrack(): WrtcTrack; onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void }
interface WrtcPeerConnection {
  addTrack(track: WrtcTrack, ...streams: unknown[]): unknown;
  addTransceiver(kind: string, init: { direction: string }): unknown;
  createOffer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  localDescription: { sdp: string } | null;
  iceGatheringState: string;
  connectionState: string;
  onicegatheringstatechange: (() => void) | null;
  onconnectionstatechange: (() => void) | null;
  ontrack: ((event: { track: WrtcTrack }) => void) | null;
  close(): void;
}
interface Wrtc {
  RTCPeerConnection: new (config: object) => WrtcPeerConnection;
  MediaStream: new () => unknown;
  nonstandard: { RTCAudioSource: new () => WrtcAudioSource };
}
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;

export const FRAME_SAMPLES_48K = 480;

export interface ParticipantOptions {
  url: string;
  room: string;
  name: string;
  speaks: LanguageCode;
  reads: LanguageCode;
  /** Sent as the Origin header, as a browser page on `url` would. */
  origin?: string;
}

/** A Node participant with a real WebRTC microphone: joins over socket.io, streams PCM in real time. */
export class WrtcParticipant {
  readonly captions: Caption[] = [];
  /** Wall-clock arrival time of each caption, by object. */
  readonly arrivedAtMs = new Map<Caption, number>();
  participants: Participant[] = [];
  peerId = '';
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private pc: WrtcPeerConnection | undefined;
  private source: WrtcAudioSource | undefined;
  private track: WrtcTrack | undefined;
  private captionWaiters: (() => void)[] = [];
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
    this.socket.on('participants', (p) => (this.participants = p));
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
  }

  /** Opens the microphone: a WebRTC connection whose audio comes from `sendPcm`. */
  async startMicrophone(): Promise<void> {
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    this.source = new wrtc.nonstandard.RTCAudioSource();
    this.track = this.source.createTrack();
    pc.addTrack(this.track, new wrtc.MediaStream());
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, 3_000);
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    const reply = await new Promise<Ack<{ description: { type: string; sdp: string } }>>((resolve) =>
      this.socket.emit('offer', { description: { type: 'offer', sdp: pc.localDescription!.sdp } }, resolve),
    );
    if (!reply.ok) throw new Error(`offer failed: ${reply.error}`);
    const connected = new Promise<void>((resolve, reject) => {
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
    await pc.setRemoteDescription(reply.description);
    await connected;
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.track?.stop();
    this.pc?.close();
    this.socket.disconnect();
  }
}
