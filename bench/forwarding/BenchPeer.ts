import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { Encoder } from 'socket.io-parser';
import { MarkerDetector } from './MarkerDetector.js';
import { FRAME_SAMPLES, PERIOD_MS, SAMPLE_RATE_HZ, wallMs } from './markedSpeech.js';
import { RosterSkippingDecoder } from './RosterSkippingDecoder.js';
import { iceGatheringComplete, wrtc, type WrtcAudioSink, type WrtcAudioSource, type WrtcPeerConnection, type WrtcTrack } from '../../scripts/lib/wrtc.js';

export interface BenchPeerOptions {
  url: string;
  room: string;
  name: string;
  /** A publisher sends a microphone track; a listener only receives. */
  role: 'publisher' | 'listener';
  /** Decode what arrives and time the markers in it (costly: only a few listeners do). */
  probe?: boolean;
  timeoutMs?: number;
}

export interface PeerCounters {
  received: number;
  lost: number;
  sent: number;
}

/**
 * One bench participant: a real libwebrtc peer connection signalled over socket.io, that answers
 * the sfu's renegotiations. Listeners count what arrives (and probes time the markers in it);
 * the publisher streams PCM in real time and notes when each marker left.
 */
export class BenchPeer {
  /** Wall-clock time each marker (period start) was handed to the encoder, not yet collected. */
  readonly markerSentMs: number[] = [];
  fatal: string | undefined;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly pc: WrtcPeerConnection;
  private readonly sinks: WrtcAudioSink[] = [];
  private readonly sunkTracks = new Set<WrtcTrack>();
  private readonly detectors: MarkerDetector[] = [];
  private source: WrtcAudioSource | undefined;
  private track: WrtcTrack | undefined;
  /** Offer/answer exchanges one at a time: a server offer waits for our own to be answered. */
  private signaling: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: BenchPeerOptions) {
    this.socket = io(options.url, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin: options.url },
      parser: { Encoder, Decoder: RosterSkippingDecoder },
    });
    this.socket.on('fatal', ({ message }) => (this.fatal = message));
    this.socket.on('renegotiate', (request, ack) => {
      this.signaling = this.signaling.then(() => this.answerServerOffer(request.description.sdp, ack));
    });
    this.pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.pc.ontrack = ({ track }) => this.onTrack(track);
  }

  get name(): string {
    return this.options.name;
  }

  get isProbe(): boolean {
    return this.options.probe === true;
  }

  static async connect(options: BenchPeerOptions): Promise<BenchPeer> {
    const peer = new BenchPeer(options);
    try {
      await peer.start(options.timeoutMs ?? 30_000);
      return peer;
    } catch (error) {
      peer.close();
      throw error;
    }
  }

  private async start(timeoutMs: number): Promise<void> {
    const deadline = setTimeout(() => this.socket.disconnect(), timeoutMs);
    try {
      const { room, name } = this.options;
      const joined = await this.request<Ack<JoinReply>>((ack) => this.socket.emit('join', { room, name, speaks: 'en', reads: 'en' }, ack));
      if (!joined.ok) throw new Error(`join failed: ${joined.error}`);
      if (this.options.role === 'publisher') {
        this.source = new wrtc.nonstandard.RTCAudioSource();
        this.track = this.source.createTrack();
        this.pc.addTrack(this.track, new wrtc.MediaStream());
      } else {
        this.pc.addTransceiver('audio', { direction: 'recvonly' });
      }
      const connected = this.connected(timeoutMs);
      // Awaited after the exchange; without this an exchange that fails first leaves it unhandled.
      connected.catch(() => undefined);
      const exchange = (async () => {
        await this.pc.setLocalDescription(await this.pc.createOffer());
        await iceGatheringComplete(this.pc);
        const sdp = this.pc.localDescription!.sdp;
        const reply = await this.request<Ack<{ description: { type: string; sdp: string } }>>((ack) =>
          this.socket.emit('offer', { description: { type: 'offer', sdp } }, ack),
        );
        if (!reply.ok) throw new Error(`offer failed: ${reply.error}`);
        await this.pc.setRemoteDescription(reply.description);
      })();
      this.signaling = exchange.catch(() => undefined);
      await exchange;
      await connected;
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Emits with an acknowledgement; rejects if the socket goes away first. */
  private request<T>(emit: (ack: (reply: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onGone = (reason: unknown): void => reject(new Error(`signaling closed (${this.fatal ?? String(reason)})`));
      this.socket.once('disconnect', onGone);
      this.socket.once('connect_error', onGone);
      emit((reply) => {
        this.socket.off('disconnect', onGone);
        this.socket.off('connect_error', onGone);
        resolve(reply);
      });
    });
  }

  private connected(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`WebRTC did not connect (state ${this.pc.connectionState})`)), timeoutMs);
      this.pc.onconnectionstatechange = () => {
        if (this.pc.connectionState === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (this.pc.connectionState === 'failed') {
          clearTimeout(timer);
          reject(new Error('WebRTC connection failed'));
        }
      };
    });
  }

  private async answerServerOffer(sdp: string, ack: (reply: unknown) => void): Promise<void> {
    if (this.closed) return;
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await iceGatheringComplete(this.pc);
      ack({ description: { type: 'answer', sdp: this.pc.localDescription!.sdp } });
    } catch (error) {
      ack({ error: (error as Error).message });
    }
  }

  private onTrack(track: WrtcTrack): void {
    if (!this.options.probe || this.sunkTracks.has(track)) return;
    this.sunkTracks.add(track);
    // One detector per track: a track the sfu is not (or no longer) sending on plays silence.
    const detector = new MarkerDetector();
    this.detectors.push(detector);
    const sink = new wrtc.nonstandard.RTCAudioSink(track);
    sink.ondata = (data) => detector.push(data.samples, data.channelCount, data.sampleRate, wallMs());
    this.sinks.push(sink);
  }

  /** Marker onsets heard since the last call (probes only), wall-clock ms. */
  takeOnsets(): number[] {
    return this.detectors.flatMap((d) => d.take());
  }

  /** Inbound (listener) and outbound (publisher) RTP packet counters, from WebRTC stats. */
  async counters(): Promise<PeerCounters> {
    const counters = { received: 0, lost: 0, sent: 0 };
    if (this.closed) return counters;
    for (const stat of (await this.pc.getStats()).values()) {
      if (stat.kind !== 'audio') continue;
      if (stat.type === 'inbound-rtp') {
        counters.received += stat.packetsReceived ?? 0;
        counters.lost += Math.max(0, stat.packetsLost ?? 0);
      } else if (stat.type === 'outbound-rtp') counters.sent += stat.packetsSent ?? 0;
    }
    return counters;
  }

  /**
   * Publisher: loops `pcm` (made of PERIOD_MS periods, each starting with a marker) in 10 ms frames
   * paced to the wall clock, until closed; notes when each period's first frame was handed over.
   */
  async play(pcm: Int16Array): Promise<void> {
    const source = this.source;
    if (!source) throw new Error('only a publisher plays');
    const framesPerPeriod = (SAMPLE_RATE_HZ * PERIOD_MS) / 1000 / FRAME_SAMPLES;
    const framesInPcm = Math.floor(pcm.length / FRAME_SAMPLES);
    const startMs = performance.now();
    for (let i = 0; !this.closed; i++) {
      const offset = (i % framesInPcm) * FRAME_SAMPLES;
      const frame = pcm.slice(offset, offset + FRAME_SAMPLES);
      if (i % framesPerPeriod === 0) this.markerSentMs.push(wallMs());
      source.onData({ samples: frame, sampleRate: SAMPLE_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
      const aheadMs = startMs + (i + 1) * 10 - performance.now();
      if (aheadMs > 1) await new Promise((r) => setTimeout(r, aheadMs));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sink of this.sinks) sink.stop();
    this.track?.stop();
    this.pc.close();
    this.socket.disconnect();
  }
}
