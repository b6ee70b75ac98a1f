import { SafeEmitter } from './SafeEmitter.js';
import { RTCPeerConnection, type MediaStreamTrack } from 'werift';
import type { LanguageCode, Participant } from '@parley/protocol';
import { filterSdpCandidates, type RtcSettings } from './RtcSettings.js';
import { SignalingError } from './errors.js';
import { checkOfferSdp } from './offerSdp.js';

/** Where a peer's received Opus goes (the speaker's audio pipeline). */
export interface OpusSink {
  pushRtp(payload: Buffer, sequenceNumber: number, rtpTimestamp: number): void;
}

export interface PeerOptions {
  id: string;
  name: string;
  speaks: LanguageCode;
  reads: LanguageCode;
  rtc: RtcSettings;
  /** How long ICE gathering may take before the answer is sent with what was found. */
  gatherTimeoutMs?: number;
}

export interface PeerEvents {
  /** The participant's microphone track arrived. */
  audioTrack: [MediaStreamTrack];
  connectionState: [string];
  closed: [];
}

/** One participant's WebRTC side: a werift peer connection that receives their microphone. */
export class Peer extends SafeEmitter<PeerEvents> {
  readonly id: string;
  readonly name: string;
  readonly speaks: LanguageCode;
  readonly reads: LanguageCode;
  private readonly rtc: RtcSettings;
  private readonly gatherTimeoutMs: number;
  private pc: RTCPeerConnection | undefined;
  private sink: OpusSink | undefined;
  private closed = false;
  private negotiating = false;
  private hasMic = false;

  constructor(options: PeerOptions) {
    super();
    this.id = options.id;
    this.name = options.name;
    this.speaks = options.speaks;
    this.reads = options.reads;
    this.rtc = options.rtc;
    this.gatherTimeoutMs = options.gatherTimeoutMs ?? 5_000;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get connectionState(): string {
    return this.pc?.connectionState ?? 'new';
  }

  toParticipant(): Participant {
    return { id: this.id, name: this.name, speaks: this.speaks, reads: this.reads, hasMic: this.hasMic, muted: false };
  }

  /** Sets where this peer's microphone audio is delivered. */
  setOpusSink(sink: OpusSink | undefined): void {
    this.sink = sink;
  }

  /** Answers the browser's offer; the answer carries every local candidate (no trickle needed). */
  async answer(offerSdp: string): Promise<string> {
    if (this.closed) throw new SignalingError('This connection is closed; join the room again.', 409);
    if (this.negotiating) throw new SignalingError('An offer is already being answered; wait for its answer.', 409);
    if (this.pc) throw new SignalingError('This peer already negotiated; renegotiation is not supported yet.', 409);
    checkOfferSdp(offerSdp);
    this.negotiating = true;
    try {
      const pc = new RTCPeerConnection(this.rtc.peerConfig);
      this.pc = pc;
      pc.onTrack.subscribe((track) => {
        if (track.kind !== 'audio') return;
        this.hasMic = true;
        track.onReceiveRtp.subscribe((rtp) => {
          this.sink?.pushRtp(rtp.payload, rtp.header.sequenceNumber, rtp.header.timestamp);
        });
        this.emit('audioTrack', track);
      });
      pc.connectionStateChange.subscribe((state) => {
        this.emit('connectionState', state);
        if (state === 'failed' || state === 'closed') void this.close();
      });
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      } catch (error) {
        throw new SignalingError(`The offer could not be used: ${(error as Error).message}`, 400);
      }
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await this.iceGatheringComplete(pc);
      if (this.closed) throw new SignalingError('This connection closed while answering.', 409);
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new SignalingError('No answer could be made for this offer.', 500);
      return filterSdpCandidates(sdp, this.rtc.allowedCandidateIps);
    } finally {
      this.negotiating = false;
    }
  }

  private iceGatheringComplete(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.gatherTimeoutMs);
      const sub = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') done();
      });
      function done(): void {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }

  /** Idempotent; closes the peer connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink = undefined;
    const pc = this.pc;
    this.pc = undefined;
    try {
      await pc?.close();
    } finally {
      this.emit('closed');
      this.removeAllListeners();
    }
  }
}
