import { SafeEmitter } from './SafeEmitter.js';
import { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, type MediaStreamTrack, type RTCRtpTransceiver } from 'werift';
import type { LanguageCode, Participant } from '@parley/protocol';
import { AUDIO_LEVEL_URI, disableImplicitStun, filterSdpCandidates, keepInactiveSectionsBundled, type RtcSettings } from './RtcSettings.js';
import { SignalingError } from './errors.js';
import { checkOfferSdp } from './offerSdp.js';
import { AudioProducer } from './AudioProducer.js';
import { ForwardedTrack } from './ForwardedTrack.js';

/** Where a peer's received Opus goes (the speaker's audio pipeline). */
export interface OpusSink {
  pushRtp(payload: Buffer, sequenceNumber: number, rtpTimestamp: number): void;
  setPaused?(paused: boolean): void;
}

/** Sends a server offer to the browser; resolves with its answer SDP or rejects (timeout, refusal). */
export type ServerOfferChannel = (offerSdp: string) => Promise<string>;

export interface PeerOptions {
  id: string;
  name: string;
  speaks: LanguageCode;
  reads: LanguageCode;
  rtc: RtcSettings;
  /** How long ICE gathering may take before the answer is sent with what was found. */
  gatherTimeoutMs?: number;
  /** After its first offer, the connection must be up within this, or the peer is closed. */
  connectTimeoutMs?: number;
  /** A connection that failed gets this long for an ICE restart before the peer is closed. */
  iceRecoveryMs?: number;
}

export interface PeerEvents {
  /** The participant's microphone track arrived (its producer exists from now on). */
  audioTrack: [MediaStreamTrack];
  /** The first offer was answered: the peer can now receive other participants' audio. */
  ready: [];
  /** hasMic or muted changed. */
  participantChanged: [];
  connectionState: [string];
  /** `reason` is a sentence for the person when the peer was closed because something went wrong. */
  closed: [reason: string | undefined];
}

const CONNECT_TIMEOUT_MESSAGE =
  'Your audio connection to the server could not be set up in time. The network may be blocking WebRTC: try another network, or ask whoever runs this server to set up a TURN relay.';
const ICE_FAILED_MESSAGE = 'Your audio connection to the server was lost and could not be restored. Reload the page to rejoin.';

/**
 * One participant's WebRTC side: a werift peer connection that receives their microphone and
 * sends everyone else's audio. The browser makes the first offer; after that the server offers
 * (participants coming and going, ICE restarts), one negotiation at a time.
 */
export class Peer extends SafeEmitter<PeerEvents> {
  readonly id: string;
  readonly name: string;
  readonly speaks: LanguageCode;
  readonly reads: LanguageCode;
  private readonly rtc: RtcSettings;
  private readonly gatherTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly iceRecoveryMs: number;
  private pc: RTCPeerConnection | undefined;
  private sink: OpusSink | undefined;
  private producerValue: AudioProducer | undefined;
  private closed = false;
  private answering = false;
  private ready = false;
  private mutedValue = false;
  private offerChannel: ServerOfferChannel | undefined;
  /** Producers this peer should hear, by participant id; the transceivers follow at the next negotiation. */
  private readonly wanted = new Map<string, AudioProducer>();
  private readonly tracks: ForwardedTrack[] = [];
  private negotiationLoop: Promise<void> | undefined;
  private negotiationNeeded = false;
  private iceRestartNeeded = false;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  private opusCodec: RTCRtpCodecParameters | undefined;
  private extensionTemplate: { id: number; uri: string }[] = [];

  constructor(options: PeerOptions) {
    super();
    this.id = options.id;
    this.name = options.name;
    this.speaks = options.speaks;
    this.reads = options.reads;
    this.rtc = options.rtc;
    this.gatherTimeoutMs = options.gatherTimeoutMs ?? 5_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.iceRecoveryMs = options.iceRecoveryMs ?? 20_000;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The first offer has been answered; server offers may follow. */
  get isReady(): boolean {
    return this.ready;
  }

  get connectionState(): string {
    return this.pc?.connectionState ?? 'new';
  }

  get producer(): AudioProducer | undefined {
    return this.producerValue;
  }

  get muted(): boolean {
    return this.mutedValue;
  }

  /** Transceivers carrying other participants' audio to this peer (for tests and stats). */
  get forwardedTracks(): readonly ForwardedTrack[] {
    return this.tracks;
  }

  toParticipant(): Participant {
    return { id: this.id, name: this.name, speaks: this.speaks, reads: this.reads, hasMic: !!this.producerValue, muted: this.mutedValue };
  }

  /** Sets where this peer's microphone audio is delivered. */
  setOpusSink(sink: OpusSink | undefined): void {
    this.sink = sink;
    sink?.setPaused?.(this.mutedValue);
  }

  /** How server offers reach the browser (socket.io renegotiate with its ack). */
  setOfferChannel(channel: ServerOfferChannel): void {
    this.offerChannel = channel;
  }

  /** Pauses forwarding and captioning of this participant's microphone. */
  setMuted(muted: boolean): void {
    if (this.closed || muted === this.mutedValue) return;
    this.mutedValue = muted;
    this.producerValue?.setPaused(muted);
    this.sink?.setPaused?.(muted);
    this.emit('participantChanged');
  }

  /** This peer should hear `producer` (another participant's microphone). */
  addProducer(producer: AudioProducer): void {
    if (this.closed || producer.peerId === this.id || this.wanted.get(producer.peerId) === producer) return;
    this.removeProducer(producer.peerId);
    this.wanted.set(producer.peerId, producer);
    this.requestNegotiation();
  }

  /** Stops forwarding `producerId` at once; the browser hears of it at the next negotiation. */
  removeProducer(producerId: string): void {
    const producer = this.wanted.get(producerId);
    if (!producer) return;
    this.wanted.delete(producerId);
    for (const track of this.tracks) if (track.producerId === producerId) producer.removeConsumer(track);
    this.requestNegotiation();
  }

  /** The browser's network changed: a server offer with fresh ICE credentials. */
  restartIce(): void {
    if (this.closed) throw new SignalingError('This connection is closed; join the room again.', 409);
    if (!this.ready) throw new SignalingError('There is no audio connection to restart yet; send an offer first.', 409);
    this.iceRestartNeeded = true;
    this.requestNegotiation();
  }

  /** Answers the browser's first offer; the answer carries every local candidate (no trickle needed). */
  async answer(offerSdp: string): Promise<string> {
    if (this.closed) throw new SignalingError('This connection is closed; join the room again.', 409);
    if (this.answering) throw new SignalingError('An offer is already being answered; wait for its answer.', 409);
    if (this.pc) throw new SignalingError('This peer already negotiated; the server sends any further offers.', 409);
    checkOfferSdp(offerSdp);
    this.answering = true;
    try {
      const pc = new RTCPeerConnection(this.rtc.peerConfig);
      this.pc = pc;
      pc.onTrack.subscribe((track) => this.onRemoteTrack(pc, track));
      pc.connectionStateChange.subscribe((state) => this.onConnectionState(state));
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      } catch (error) {
        // Leaves the peer able to take a corrected offer.
        this.pc = undefined;
        void pc.close();
        throw new SignalingError(`The offer could not be used: ${(error as Error).message}`, 400);
      }
      disableImplicitStun(pc);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await this.iceGatheringComplete(pc);
      if (this.closed) throw new SignalingError('This connection closed while answering.', 409);
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new SignalingError('No answer could be made for this offer.', 500);
      this.adoptBrowserTransceivers(pc);
      this.connectTimer = setTimeout(() => {
        if (this.pc?.connectionState !== 'connected') void this.close(CONNECT_TIMEOUT_MESSAGE);
      }, this.connectTimeoutMs);
      this.ready = true;
      // The browser applies this answer before it handles any server offer (it serializes them).
      queueMicrotask(() => {
        if (this.closed) return;
        this.emit('ready');
        // Producers added before this point waited for the first answer.
        if (this.negotiationNeeded) this.requestNegotiation();
      });
      return keepInactiveSectionsBundled(filterSdpCandidates(sdp, this.rtc.allowedCandidateIps));
    } finally {
      this.answering = false;
    }
  }

  /** Idempotent; stops forwarding both ways and closes the peer connection. */
  async close(reason?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.recoveryTimer);
    this.sink = undefined;
    this.producerValue?.close();
    for (const [id, producer] of this.wanted) {
      for (const track of this.tracks) if (track.producerId === id) producer.removeConsumer(track);
    }
    this.wanted.clear();
    const pc = this.pc;
    this.pc = undefined;
    try {
      await pc?.close();
    } finally {
      this.emit('closed', reason);
      this.removeAllListeners();
    }
  }

  private onRemoteTrack(pc: RTCPeerConnection, track: MediaStreamTrack): void {
    if (track.kind !== 'audio' || this.producerValue || this.closed) return;
    const transceiver = pc.getTransceivers().find((t) => t.receiver.track === track);
    const levelId = transceiver?.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id ?? 0;
    this.producerValue = new AudioProducer(this.id, track, levelId);
    this.producerValue.setPaused(this.mutedValue);
    track.onReceiveRtp.subscribe((rtp) => {
      this.sink?.pushRtp(rtp.payload, rtp.header.sequenceNumber, rtp.header.timestamp);
    });
    this.emit('audioTrack', track);
    this.emit('participantChanged');
  }

  private onConnectionState(state: string): void {
    this.emit('connectionState', state);
    if (state === 'connected') {
      clearTimeout(this.connectTimer);
      clearTimeout(this.recoveryTimer);
      this.recoveryTimer = undefined;
    } else if (state === 'failed' || state === 'disconnected') {
      // The browser asks for an ICE restart when its network changes; give it the chance.
      this.recoveryTimer ??= setTimeout(() => void this.close(ICE_FAILED_MESSAGE), this.iceRecoveryMs);
    } else if (state === 'closed') {
      void this.close(ICE_FAILED_MESSAGE);
    }
  }

  /**
   * The browser's own m-lines become forwarding slots when it can receive on them, and their
   * negotiated Opus payload type and extension ids become the template for the transceivers we add
   * (one BUNDLE must not map one id to two meanings).
   */
  private adoptBrowserTransceivers(pc: RTCPeerConnection): void {
    for (const transceiver of pc.getTransceivers()) {
      if (transceiver.kind !== 'audio') continue;
      const opus = transceiver.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus');
      if (opus && !this.opusCodec) {
        this.opusCodec = new RTCRtpCodecParameters({
          mimeType: opus.mimeType,
          clockRate: opus.clockRate,
          channels: opus.channels,
          payloadType: opus.payloadType,
          parameters: opus.parameters,
          rtcpFeedback: [{ type: 'nack' }],
        });
        this.extensionTemplate = transceiver.headerExtensions.map((e) => ({ id: e.id, uri: e.uri }));
      }
      // offerDirection is the browser's direction seen from here: sendonly means the browser receives.
      const browserSends = transceiver.offerDirection === 'recvonly' || transceiver.offerDirection === 'sendrecv';
      const browserReceives = transceiver.offerDirection === 'sendonly' || transceiver.offerDirection === 'sendrecv';
      if (!browserReceives) continue;
      const track = new ForwardedTrack(transceiver, browserSends);
      track.release();
      track.refreshNegotiated();
      this.tracks.push(track);
    }
  }

  private requestNegotiation(): void {
    if (this.closed) return;
    this.negotiationNeeded = true;
    if (!this.ready || this.negotiationLoop) return;
    this.negotiationLoop = this.runNegotiations().finally(() => {
      this.negotiationLoop = undefined;
    });
  }

  private async runNegotiations(): Promise<void> {
    while (this.negotiationNeeded && !this.closed) {
      this.negotiationNeeded = false;
      try {
        await this.negotiateOnce();
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        await this.close(`Your browser did not take the server's audio update (${detail}). Reload the page to rejoin.`);
        return;
      }
    }
  }

  /** One server offer/answer round: transceivers follow `wanted`, then forwarding starts on the new ones. */
  private async negotiateOnce(): Promise<void> {
    const pc = this.pc;
    const channel = this.offerChannel;
    if (!pc || !channel) return;
    const assigned = this.reconcileTracks(pc);
    const iceRestart = this.iceRestartNeeded;
    this.iceRestartNeeded = false;
    const iceRoles = pc.iceTransports.map((t) => t.connection.iceControlling);
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    keepIceRoles(pc, iceRoles);
    await this.iceGatheringComplete(pc);
    const sdp = pc.localDescription?.sdp;
    if (this.closed || !sdp) return;
    const answerSdp = await channel(keepInactiveSectionsBundled(filterSdpCandidates(sdp, this.rtc.allowedCandidateIps)));
    if (this.closed) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    if (iceRestart) startConnectivityChecks(pc);
    for (const track of this.tracks) track.refreshNegotiated();
    for (const track of assigned) {
      const producer = track.producerId === undefined ? undefined : this.wanted.get(track.producerId);
      producer?.addConsumer(track);
    }
  }

  /** Releases tracks of producers no longer wanted and assigns the new ones, reusing idle transceivers first. */
  private reconcileTracks(pc: RTCPeerConnection): ForwardedTrack[] {
    for (const track of this.tracks) {
      if (track.producerId !== undefined && !this.wanted.has(track.producerId)) track.release();
    }
    const carried = new Set(this.tracks.map((t) => t.producerId));
    const assigned: ForwardedTrack[] = [];
    for (const producerId of this.wanted.keys()) {
      if (carried.has(producerId)) continue;
      const track = this.tracks.find((t) => t.producerId === undefined) ?? this.addForwardingTransceiver(pc);
      track.assign(producerId);
      assigned.push(track);
    }
    return assigned;
  }

  private addForwardingTransceiver(pc: RTCPeerConnection): ForwardedTrack {
    const transceiver: RTCRtpTransceiver = pc.addTransceiver('audio', { direction: 'sendonly' });
    if (this.opusCodec) transceiver.codecs = [this.opusCodec];
    if (this.extensionTemplate.length > 0) {
      transceiver.headerExtensions = this.extensionTemplate.map((e) => new RTCRtpHeaderExtensionParameters(e));
    }
    const track = new ForwardedTrack(transceiver, false);
    this.tracks.push(track);
    return track;
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
}

/**
 * werift makes the offerer ICE-controlling whenever it has no selected pair (after an ICE restart, or
 * while the first checks still run), but the browser keeps the role it has had since the first
 * negotiation: it offered, so it controls, unless a role conflict was already repaired the other
 * way. Taking control here would make both sides controlling until another repair.
 */
function keepIceRoles(pc: RTCPeerConnection, controlling: boolean[]): void {
  pc.iceTransports.forEach((transport, i) => {
    const role = controlling[i];
    if (role !== undefined) transport.connection.iceControlling = role;
  });
}

/**
 * werift starts connectivity checks on an answer only for a transport whose DTLS is not up yet. After
 * an ICE restart on a live connection the new generation would then get no checks from our side and
 * no selected pair, so media stays dropped, unless the browser's checks happen to land on a pair we
 * already have. Starts them; DTLS (and with it SRTP) is left as it is.
 */
function startConnectivityChecks(pc: RTCPeerConnection): void {
  for (const dtls of pc.dtlsTransports) {
    const ice = dtls.iceTransport;
    if (dtls.state !== 'connected' || ice.connection.nominated || ice.state === 'checking' || ice.state === 'connected') continue;
    // A failure surfaces as connectionState "failed", which the recovery timer handles.
    ice.start().catch(() => undefined);
  }
}
