import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket, ntpTime, type RTCRtpSender, type RTCRtpTransceiver } from 'werift';
import { AUDIO_LEVEL_URI } from './RtcSettings.js';

/** Same depth as werift's per-sender send history, so a NACK finds the very packet object we sent. */
const RING_SIZE = 128;
const OPUS_TICKS_PER_MS = 48;
const OPUS_FRAME_TICKS = 960;
/** A sequence jump this large means a new source (or a restarted one), not loss. */
const MAX_SEQUENCE_JUMP = 1_000;
const EMPTY = Buffer.alloc(0);
/** How often the (NTP, RTP timestamp) pair of our sender reports is refreshed; both move together. */
const SENDER_REPORT_CLOCK_MS = 100;
const RTP_HEADER_BYTES = 12;
/** One-byte extension block holding just the 1-byte audio level: 4 + 1 + 1, padded to 8. */
const LEVEL_EXTENSION_BYTES = 8;

interface HeaderExtension {
  id: number;
  payload: Buffer;
}

function noop(): void {}

/**
 * What werift's RTCRtpSender.sendRtp maintains besides sending: the sender report counters, the
 * history NACKs are answered from, and the RTCP loop. The fast path keeps these itself; it is used
 * only when the sender really has them (checked once), else werift's sendRtp does everything.
 */
interface SenderInternals {
  ssrc: number;
  codec?: { payloadType: number };
  dtlsTransport?: { state: string; sendRtp(payload: Buffer, header: RtpHeader): Promise<number> };
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
  rtpCache: RtpPacket[];
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
}

function senderInternals(sender: RTCRtpSender): SenderInternals | undefined {
  const s = sender as unknown as Partial<SenderInternals>;
  const usable =
    typeof s.ntpTimestamp === 'bigint' &&
    typeof s.rtpTimestamp === 'number' &&
    typeof s.octetCount === 'number' &&
    typeof s.packetCount === 'number' &&
    typeof s.headerBytesSent === 'number' &&
    Array.isArray(s.rtpCache) &&
    typeof s.rtcpRunning === 'boolean' &&
    typeof s.runRtcp === 'function';
  return usable ? (s as SenderInternals) : undefined;
}

/**
 * One sending transceiver on a listener's connection. It carries one producer's audio at a time
 * and keeps its own SSRC, sequence numbers and timestamps continuous whatever the source does
 * (pauses, mutes, a different producer after reuse), so the browser's jitter buffer never sees a jump.
 */
export class ForwardedTrack {
  /** Whose audio this carries now; undefined while the transceiver is idle. */
  producerId: string | undefined;
  /** What the transceiver says when idle: recvonly on the browser's own microphone line, inactive otherwise. */
  private readonly idleDirection: 'recvonly' | 'inactive';
  private readonly ring: RtpPacket[] = [];
  private readonly levelExtension: HeaderExtension = { id: 0, payload: EMPTY };
  private readonly withLevel: HeaderExtension[] = [this.levelExtension];
  private readonly withoutLevel: HeaderExtension[] = [];
  private resyncPending = true;
  private sourceSsrc = -1;
  private lastInSequence = 0;
  private firstOutSequence = 0;
  private lastOutSequence = randomInt(0x10000);
  private lastOutTimestamp = randomInt(0x1_0000_0000);
  private lastSentAtMs = 0;
  private sequenceOffset = 0;
  private timestampOffset = 0;
  private lastSenderClockAtMs = -Infinity;
  private readonly internals: SenderInternals | undefined;
  /** Packets handed to werift; for tests and stats. */
  packetsSent = 0;

  constructor(
    readonly transceiver: RTCRtpTransceiver,
    /** The browser sends its microphone on this transceiver (its own first m-line). */
    readonly carriesBrowserAudio: boolean,
  ) {
    this.idleDirection = carriesBrowserAudio ? 'recvonly' : 'inactive';
    this.internals = senderInternals(transceiver.sender);
    for (let i = 0; i < RING_SIZE; i++) {
      this.ring.push(new RtpPacket(new RtpHeader({ payloadType: 111 }), EMPTY));
    }
  }

  get mid(): string | null {
    return this.transceiver.mid;
  }

  /** Starts carrying a producer: the browser learns its stream id (msid) at the next negotiation. */
  assign(producerId: string): void {
    this.producerId = producerId;
    this.transceiver.sender.streamId = producerId;
    this.transceiver.setDirection(this.carriesBrowserAudio ? 'sendrecv' : 'sendonly');
    this.resyncPending = true;
  }

  /** Goes idle: the next negotiation tells the browser this stream has ended. */
  release(): void {
    this.producerId = undefined;
    this.transceiver.sender.streamId = undefined;
    this.transceiver.setDirection(this.idleDirection);
    this.resyncPending = true;
  }

  /** After a negotiation: the extension id the browser agreed to for audio levels. */
  refreshNegotiated(): void {
    this.levelExtension.id = this.transceiver.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id ?? 0;
  }

  /** The next packet starts a new run (the producer was paused or changed). */
  resync(): void {
    this.resyncPending = true;
  }

  /** Whether packets skip werift's RTCRtpSender.sendRtp (see SenderInternals). */
  get usesFastPath(): boolean {
    return this.internals !== undefined;
  }

  /**
   * Forwards one received Opus packet. Runs once per listener per packet: no allocation of our
   * own (header objects come from a ring) and no logging.
   */
  send(packet: RtpPacket, audioLevel: Buffer | undefined, nowMs: number): void {
    const sender = this.internals;
    const transport = sender?.dtlsTransport;
    if (sender && (!transport || transport.state !== 'connected' || !sender.codec)) return;
    const inHeader = packet.header;
    const inSequence = inHeader.sequenceNumber;
    let marker = inHeader.marker;
    if (!this.resyncPending && inHeader.ssrc === this.sourceSsrc) {
      const jump = (inSequence - this.lastInSequence) & 0xffff;
      if (jump > MAX_SEQUENCE_JUMP && jump < 0x10000 - MAX_SEQUENCE_JUMP) this.resyncPending = true;
    }
    if (this.resyncPending || inHeader.ssrc !== this.sourceSsrc) {
      const outSequence = (this.lastOutSequence + 1) & 0xffff;
      const elapsedTicks = this.lastSentAtMs === 0 ? 0 : Math.round((nowMs - this.lastSentAtMs) * OPUS_TICKS_PER_MS);
      const outTimestamp = (this.lastOutTimestamp + Math.max(OPUS_FRAME_TICKS, elapsedTicks)) >>> 0;
      this.sequenceOffset = (outSequence - inSequence) & 0xffff;
      this.timestampOffset = (outTimestamp - inHeader.timestamp) >>> 0;
      this.firstOutSequence = outSequence;
      this.lastOutSequence = (outSequence - 1) & 0xffff;
      this.lastInSequence = inSequence;
      this.sourceSsrc = inHeader.ssrc;
      this.resyncPending = false;
      // Marks the start of a talk spurt, so the receiver may adapt its playout delay here.
      marker = true;
    }
    const outSequence = (inSequence + this.sequenceOffset) & 0xffff;
    // Late packets from before the run started would collide with what was sent before it.
    if (((outSequence - this.firstOutSequence) & 0xffff) >= 0x8000) return;
    const outTimestamp = (inHeader.timestamp + this.timestampOffset) >>> 0;
    if (((outSequence - this.lastOutSequence) & 0xffff) < 0x8000) {
      this.lastOutSequence = outSequence;
      this.lastOutTimestamp = outTimestamp;
      this.lastInSequence = inSequence;
      this.lastSentAtMs = nowMs;
    }

    const out = this.ring[outSequence % RING_SIZE]!;
    const header = out.header;
    header.sequenceNumber = outSequence;
    header.timestamp = outTimestamp;
    header.marker = marker;
    header.extension = false;
    const withLevel = audioLevel !== undefined && this.levelExtension.id !== 0;
    if (withLevel) this.levelExtension.payload = audioLevel;
    header.extensions = withLevel ? this.withLevel : this.withoutLevel;
    out.payload = packet.payload;
    this.packetsSent += 1;
    if (!sender || !transport) {
      header.payloadType = inHeader.payloadType;
      // werift rewrites SSRC and payload type, encrypts and sends synchronously; its promise only reports.
      this.transceiver.sender.sendRtp(out).catch(noop);
      return;
    }
    header.ssrc = sender.ssrc;
    header.payloadType = sender.codec!.payloadType;
    if (nowMs - this.lastSenderClockAtMs >= SENDER_REPORT_CLOCK_MS) {
      this.lastSenderClockAtMs = nowMs;
      sender.ntpTimestamp = ntpTime();
      sender.rtpTimestamp = outTimestamp;
    }
    sender.octetCount += out.payload.length;
    sender.headerBytesSent += withLevel ? RTP_HEADER_BYTES + LEVEL_EXTENSION_BYTES : RTP_HEADER_BYTES;
    sender.packetCount = (sender.packetCount + 1) >>> 0;
    sender.rtpCache[outSequence % RING_SIZE] = out;
    if (!sender.rtcpRunning) void sender.runRtcp();
    // Encrypts and hands to the socket synchronously; the promise never rejects (werift catches).
    void transport.sendRtp(out.payload, header);
  }
}
