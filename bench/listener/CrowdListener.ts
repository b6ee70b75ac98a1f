import { io } from 'socket.io-client';
import { Encoder } from 'socket.io-parser';
import { SignalingClient, type ParleySocket } from '@parley/client';
import { newConsumerSchema, type RtpCapabilitiesMessage, type TransportInfo } from '@parley/protocol';
import { RosterSkippingDecoder } from '../forwarding/RosterSkippingDecoder.js';
import type { ListenerProgram } from './ListenerProgram.js';

/** RFC 6464: the sender's audio level in every packet's header, which finds timing markers without decoding. */
const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/**
 * What Chromium receives audio with: its recvonly audio offer (Chromium 156, read from
 * createOffer()) has Opus with transport-cc feedback and no NACK (browsers do not retransmit
 * audio), and these header extensions. The listeners ask for the same, so that the sfu does for
 * them what it does for a browser (no retransmission buffer, for one).
 */
const CHROMIUM_AUDIO_FEEDBACK = ['transport-cc'];
const CHROMIUM_AUDIO_EXTENSIONS = [
  AUDIO_LEVEL_URI,
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'urn:ietf:params:rtp-hdrext:sdes:mid',
];

/** The router's RTP capabilities, narrowed to what a Chromium receiver offers for audio. */
export function browserAudioCapabilities(router: RtpCapabilitiesMessage): RtpCapabilitiesMessage {
  return {
    codecs: (router.codecs ?? [])
      .filter((c) => c.mimeType.toLowerCase() === 'audio/opus')
      .map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => CHROMIUM_AUDIO_FEEDBACK.includes(f.type)) })),
    headerExtensions: (router.headerExtensions ?? []).filter((e) => e.kind === 'audio' && CHROMIUM_AUDIO_EXTENSIONS.includes(e.uri)),
  };
}

export interface CrowdListenerOptions {
  url: string;
  room: string;
  name: string;
  program: ListenerProgram;
  /** The program's certificate fingerprint (SHA-256), sent to the sfu as this listener's. */
  fingerprint: string;
  timeoutMs?: number;
}

/**
 * The signaling half of one lightweight listener, in Parley's protocol like any client: join,
 * a receive transport with a browser's RTP capabilities for audio (browserAudioCapabilities),
 * DTLS as the client with the listener program's certificate, and every consumer taken.
 * The media half (ICE, DTLS, SRTP) runs in the listener program.
 */
export class CrowdListener {
  /** What the sfu said when it hung up, if it did. */
  fatal: string | undefined;
  consumers = 0;
  private readonly socket: ParleySocket;
  private audioLevelId: number | undefined;
  /** The listener program has been told about this listener (a consumer may come before that). */
  private inProgram = false;
  private closed = false;

  private constructor(private readonly options: CrowdListenerOptions) {
    this.socket = io(options.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: options.url },
      parser: { Encoder, Decoder: RosterSkippingDecoder },
    }) as ParleySocket;
    this.socket.on('fatal', ({ message }) => (this.fatal = message));
    this.socket.on('newConsumer', (consumer, ack) => {
      const parsed = newConsumerSchema.safeParse(consumer);
      if (!parsed.success) return ack({ ok: false, error: 'malformed consumer' });
      this.consumers += 1;
      this.audioLevelId = parsed.data.rtpParameters.headerExtensions?.find((e) => e.uri === AUDIO_LEVEL_URI)?.id;
      if (this.audioLevelId !== undefined && this.inProgram) options.program.setAudioLevelExtension(options.name, this.audioLevelId);
      ack({ ok: true });
    });
  }

  get id(): string {
    return this.options.name;
  }

  static async connect(options: CrowdListenerOptions): Promise<CrowdListener> {
    const listener = new CrowdListener(options);
    const timeoutMs = options.timeoutMs ?? 40_000;
    const timer = setTimeout(() => listener.socket.disconnect(), timeoutMs);
    try {
      await listener.start(timeoutMs);
      return listener;
    } catch (error) {
      listener.close();
      throw new Error(listener.fatal ?? (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private async start(timeoutMs: number): Promise<void> {
    const { room, name, program, fingerprint } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', reject);
      this.socket.once('disconnect', () => reject(new Error('the socket closed while connecting')));
    });
    const signaling = new SignalingClient(this.socket);
    const joined = await signaling.request('join', { room, name, speaks: 'en', reads: 'en' }, timeoutMs);
    // The bench runs one sfu node: a room placed elsewhere means a stale placement in Redis.
    if ('moveTo' in joined) throw new Error(`the room lives on another sfu node (${joined.moveTo}); flush the bench's Redis database and run again`);
    const { recv } = await signaling.request('createTransports', { rtpCapabilities: browserAudioCapabilities(joined.routerRtpCapabilities), send: false }, timeoutMs);
    const target = udpTarget(name, recv);
    // Before the first ICE check: the sfu runs DTLS only once it knows the client's role and certificate.
    await signaling.request(
      'connectTransport',
      { transportId: recv.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprint }] } },
      timeoutMs,
    );
    const up = program.add(target, timeoutMs);
    this.inProgram = true;
    if (this.audioLevelId !== undefined) program.setAudioLevelExtension(name, this.audioLevelId);
    await up;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.program.remove(this.options.name);
    this.socket.disconnect();
  }
}

/** The transport's best UDP candidate and its credentials, as the listener program takes them. */
function udpTarget(id: string, info: TransportInfo) {
  const candidate = info.iceCandidates.filter((c) => c.protocol === 'udp').sort((a, b) => b.priority - a.priority)[0];
  if (!candidate) throw new Error('the sfu offered no UDP candidate');
  const fingerprint = info.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256');
  if (!fingerprint) throw new Error('the sfu offered no SHA-256 certificate fingerprint');
  return {
    id,
    ip: candidate.address,
    port: candidate.port,
    usernameFragment: info.iceParameters.usernameFragment,
    password: info.iceParameters.password,
    fingerprint: fingerprint.value,
  };
}
