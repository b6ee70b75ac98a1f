import type { types } from 'mediasoup';
import type { LanguageCode, NewConsumer, Participant, TransportInfo } from '@parley/protocol';
import { SafeEmitter } from '../SafeEmitter.js';
import { SignalingError } from '../errors.js';
import type { RoomMedia, RouterSlot } from '../media/RoomMedia.js';
import { parseRtp } from '../media/rtpPacket.js';

/** Where a peer's received Opus goes (the speaker's audio pipeline). */
export interface OpusSink {
  pushRtp(payload: Buffer, sequenceNumber: number, rtpTimestamp: number): void;
  setPaused?(paused: boolean): void;
}

/** How the server reaches this participant's client (socket.io, bound by the signaling server). */
export interface PeerChannel {
  /** Resolves once the client has its consumer; rejects on refusal or timeout. */
  newConsumer(consumer: NewConsumer): Promise<void>;
  consumerClosed(consumerId: string): void;
  mediaReset(reason: string): void;
}

export interface PeerOptions {
  id: string;
  name: string;
  speaks: LanguageCode;
  reads: LanguageCode;
  /** The room's media, created or rebuilt on demand. */
  media: () => Promise<RoomMedia>;
  /** A transport that carries something must be connected within this, or the peer is closed. */
  connectTimeoutMs?: number;
  /** A connection that was lost gets this long for an ICE restart before the peer is closed. */
  iceRecoveryMs?: number;
}

export interface PeerEvents {
  /** The participant's microphone producer exists (again, after a media reset). */
  producer: [types.Producer];
  /** The receive transport exists: the room hands this peer every producer to consume. */
  receiving: [];
  /** hasMic, muted or reads changed. */
  participantChanged: [];
  /** `reason` is a sentence for the person when the peer was closed because something went wrong. */
  closed: [reason: string | undefined];
}

const CONNECT_TIMEOUT_MESSAGE =
  'Your audio connection to the server could not be set up in time. The network may be blocking WebRTC: try another network, or ask whoever runs this server to set up a TURN relay.';
const ICE_FAILED_MESSAGE = 'Your audio connection to the server was lost and could not be restored. Reload the page to rejoin.';

interface TransportState {
  transport: types.WebRtcTransport;
  slot: RouterSlot;
  /** connectTransport was asked for (and has not failed): mediasoup's own "already called" error would say less. */
  connectRequested?: boolean;
  connectTimer?: ReturnType<typeof setTimeout>;
  recoveryTimer?: ReturnType<typeof setTimeout>;
}

/**
 * One participant: who they are, and their media on the room's routers — a send transport with
 * their microphone's producer, a receive transport with a consumer per other speaker.
 */
export class Peer extends SafeEmitter<PeerEvents> {
  readonly id: string;
  readonly name: string;
  readonly speaks: LanguageCode;
  private readsValue: LanguageCode;
  private readonly connectTimeoutMs: number;
  private readonly iceRecoveryMs: number;
  private media: RoomMedia | undefined;
  private send: TransportState | undefined;
  private recv: TransportState | undefined;
  private rtpCapabilities: types.RtpCapabilities | undefined;
  private producerValue: types.Producer | undefined;
  /** Consumers by the producer they carry. */
  private readonly consumers = new Map<string, { consumer: types.Consumer; slot: RouterSlot }>();
  private channel: PeerChannel | undefined;
  private sink: OpusSink | undefined;
  private mutedValue = false;
  private settingUp = false;
  /** A produce is under way: a second one sent before its reply must not make a second producer. */
  private producing = false;
  /** Bumped by a media reset, so that steps begun before it give up. */
  private epoch = 0;
  private closed = false;

  constructor(private readonly options: PeerOptions) {
    super();
    this.id = options.id;
    this.name = options.name;
    this.speaks = options.speaks;
    this.readsValue = options.reads;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.iceRecoveryMs = options.iceRecoveryMs ?? 20_000;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The language this participant reads captions in. */
  get reads(): LanguageCode {
    return this.readsValue;
  }

  get producer(): types.Producer | undefined {
    return this.producerValue;
  }

  get muted(): boolean {
    return this.mutedValue;
  }

  get consumerCount(): number {
    return this.consumers.size;
  }

  /** Transport ids and ICE state, for tests and stats. */
  get transports(): { direction: 'send' | 'recv'; transport: types.WebRtcTransport }[] {
    const out: { direction: 'send' | 'recv'; transport: types.WebRtcTransport }[] = [];
    if (this.send) out.push({ direction: 'send', transport: this.send.transport });
    if (this.recv) out.push({ direction: 'recv', transport: this.recv.transport });
    return out;
  }

  toParticipant(): Participant {
    return { id: this.id, name: this.name, speaks: this.speaks, reads: this.reads, hasMic: !!this.producerValue, muted: this.mutedValue };
  }

  setChannel(channel: PeerChannel): void {
    this.channel = channel;
  }

  /** Sets where this peer's microphone audio is delivered. */
  setOpusSink(sink: OpusSink | undefined): void {
    this.sink = sink;
    sink?.setPaused?.(this.mutedValue);
  }

  /** Called with each RTP packet of this peer's microphone, as the captioning tap receives it. */
  deliverRtp(packet: Buffer): void {
    const sink = this.sink;
    if (!sink) return;
    const rtp = parseRtp(packet);
    if (rtp) sink.pushRtp(rtp.payload, rtp.sequenceNumber, rtp.timestamp);
  }

  /** Captions in another language from now on; the room's next utterances are translated into it. */
  setReads(reads: LanguageCode): void {
    if (this.closed || reads === this.readsValue) return;
    this.readsValue = reads;
    this.emit('participantChanged');
  }

  /** Pauses forwarding and captioning of this participant's microphone. */
  async setMuted(muted: boolean): Promise<void> {
    if (this.closed || muted === this.mutedValue) return;
    this.mutedValue = muted;
    this.sink?.setPaused?.(muted);
    this.emit('participantChanged');
    const producer = this.producerValue;
    if (producer && !producer.closed) await (muted ? producer.pause() : producer.resume());
  }

  async createTransports(rtpCapabilities: types.RtpCapabilities, withSend: boolean): Promise<{ send?: TransportInfo; recv: TransportInfo }> {
    this.assertOpen();
    if (this.recv || this.settingUp) throw new SignalingError('Transports are already set up for this connection.', 409);
    this.settingUp = true;
    const epoch = this.epoch;
    try {
      const media = await this.options.media();
      this.assertCurrent(epoch);
      if (!canReceiveOpus(rtpCapabilities)) {
        throw new SignalingError('This browser cannot receive Opus audio, which Parley needs.', 400);
      }
      this.media = media;
      this.rtpCapabilities = rtpCapabilities;
      const recvSlot = await media.slotFor('recv');
      const recv = await this.openTransport(media, recvSlot, epoch);
      let send: TransportState | undefined;
      if (withSend) send = await this.openTransport(media, media.primary, epoch).catch((error: unknown) => {
        recv.transport.close();
        throw error;
      });
      this.recv = recv;
      this.send = send;
      queueMicrotask(() => {
        if (!this.closed && this.epoch === epoch) this.emit('receiving');
      });
      return { recv: transportInfo(recv.transport), ...(send ? { send: transportInfo(send.transport) } : {}) };
    } finally {
      this.settingUp = false;
    }
  }

  async connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    const state = this.ownTransport(transportId);
    if (state.connectRequested || state.transport.dtlsState !== 'new') throw new SignalingError('This transport is already connected.', 409);
    state.connectRequested = true;
    try {
      await state.transport.connect({ dtlsParameters });
    } catch (error) {
      // mediasoup refused the parameters: the client may try again with better ones.
      state.connectRequested = false;
      throw new SignalingError(`The transport could not be connected: ${(error as Error).message}`, 400);
    }
  }

  async produce(transportId: string, rtpParameters: types.RtpParameters): Promise<string> {
    const state = this.ownTransport(transportId);
    if (state !== this.send) throw new SignalingError('Audio is sent on the send transport only.', 400);
    if (this.producerValue || this.producing) throw new SignalingError('This participant already sends audio.', 409);
    const epoch = this.epoch;
    let producer: types.Producer;
    this.producing = true;
    try {
      producer = await state.transport.produce({ kind: 'audio', rtpParameters, paused: this.mutedValue, appData: { peerId: this.id } });
    } catch (error) {
      throw new SignalingError(`The audio could not be accepted: ${(error as Error).message}`, 400);
    } finally {
      this.producing = false;
    }
    if (this.closed || this.epoch !== epoch) {
      producer.close();
      throw new SignalingError('This connection was reset while the audio was set up; set it up again.', 409);
    }
    this.producerValue = producer;
    producer.observer.once('close', () => {
      if (this.producerValue !== producer) return;
      this.producerValue = undefined;
      if (!this.closed) this.emit('participantChanged');
    });
    this.armConnectTimer(state);
    this.emit('producer', producer);
    this.emit('participantChanged');
    return producer.id;
  }

  /** This peer should hear `producer` (another participant's microphone). */
  async consume(producer: types.Producer): Promise<void> {
    const recv = this.recv;
    const media = this.media;
    const rtpCapabilities = this.rtpCapabilities;
    const channel = this.channel;
    if (this.closed || !recv || !media || !rtpCapabilities || !channel || producer.closed) return;
    if (producer.appData.peerId === this.id || this.consumers.has(producer.id)) return;
    const epoch = this.epoch;
    await media.ensureProducer(recv.slot, producer.id);
    if (this.closed || this.epoch !== epoch || this.consumers.has(producer.id) || producer.closed) return;
    if (!recv.slot.router.canConsume({ producerId: producer.id, rtpCapabilities })) return;
    const consumer = await recv.transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    if (this.closed || this.epoch !== epoch) {
      consumer.close();
      return;
    }
    this.consumers.set(producer.id, { consumer, slot: recv.slot });
    media.consumerAdded(recv.slot);
    const forget = (notify: boolean) => {
      if (this.consumers.get(producer.id)?.consumer !== consumer) return;
      this.consumers.delete(producer.id);
      media.consumerRemoved(recv.slot);
      if (notify && !this.closed) this.channel?.consumerClosed(consumer.id);
    };
    consumer.on('producerclose', () => forget(true));
    consumer.on('transportclose', () => forget(false));
    this.armConnectTimer(recv);
    try {
      await channel.newConsumer({
        consumerId: consumer.id,
        producerId: producer.id,
        peerId: String(producer.appData.peerId ?? ''),
        kind: 'audio',
        rtpParameters: consumer.rtpParameters as NewConsumer['rtpParameters'],
      });
    } catch (error) {
      consumer.close();
      forget(false);
      if (!this.closed && this.epoch === epoch) {
        await this.close(`Your browser did not take the server's audio (${(error as Error).message}). Reload the page to rejoin.`);
      }
      return;
    }
    if (!consumer.closed) await consumer.resume();
  }

  /** New ICE credentials for one of this peer's transports (the client's network changed). */
  async restartIce(transportId: string): Promise<types.IceParameters> {
    const state = this.ownTransport(transportId);
    return state.transport.restartIce();
  }

  /**
   * The room's media was lost (a media process died): forget every transport, keep the participant.
   * The client is told to set its transports up again.
   */
  resetMedia(reason: string): void {
    if (this.closed) return;
    this.epoch += 1;
    for (const state of [this.send, this.recv]) if (state) this.closeTransport(state);
    this.send = undefined;
    this.recv = undefined;
    this.media = undefined;
    this.consumers.clear();
    const hadMic = !!this.producerValue;
    this.producerValue = undefined;
    if (hadMic) this.emit('participantChanged');
    this.channel?.mediaReset(reason);
  }

  /** Idempotent; closes this peer's transports (and with them its producer and consumers). */
  async close(reason?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink = undefined;
    for (const state of [this.send, this.recv]) if (state) this.closeTransport(state);
    this.send = undefined;
    this.recv = undefined;
    this.consumers.clear();
    try {
      this.emit('closed', reason);
    } finally {
      this.removeAllListeners();
    }
  }

  private async openTransport(media: RoomMedia, slot: RouterSlot, epoch: number): Promise<TransportState> {
    const transport = await media.createWebRtcTransport(slot);
    if (this.closed || this.epoch !== epoch) {
      transport.close();
      throw new SignalingError('This connection was reset while it was set up; set it up again.', 409);
    }
    const state: TransportState = { transport, slot };
    transport.on('icestatechange', (ice) => this.onIceState(state, ice));
    transport.on('dtlsstatechange', (dtls) => {
      if (dtls === 'connected') clearTimeout(state.connectTimer);
      if (dtls === 'failed' && this.isCurrent(state)) void this.close(ICE_FAILED_MESSAGE);
    });
    return state;
  }

  private onIceState(state: TransportState, ice: types.IceState): void {
    if (!this.isCurrent(state)) return;
    if (ice === 'connected' || ice === 'completed') {
      clearTimeout(state.recoveryTimer);
      state.recoveryTimer = undefined;
    } else if (ice === 'disconnected') {
      // The client asks for an ICE restart when its network changes; give it the chance.
      state.recoveryTimer ??= setTimeout(() => void this.close(ICE_FAILED_MESSAGE), this.iceRecoveryMs);
    }
  }

  /** A transport that carries something must come up in time; an idle one may stay unconnected. */
  private armConnectTimer(state: TransportState): void {
    if (state.connectTimer || state.transport.dtlsState === 'connected') return;
    state.connectTimer = setTimeout(() => {
      if (this.isCurrent(state) && state.transport.dtlsState !== 'connected') void this.close(CONNECT_TIMEOUT_MESSAGE);
    }, this.connectTimeoutMs);
  }

  private isCurrent(state: TransportState): boolean {
    return !this.closed && (state === this.send || state === this.recv);
  }

  private closeTransport(state: TransportState): void {
    clearTimeout(state.connectTimer);
    clearTimeout(state.recoveryTimer);
    if (!state.transport.closed) state.transport.close();
  }

  private ownTransport(transportId: string): TransportState {
    this.assertOpen();
    const state = this.send?.transport.id === transportId ? this.send : this.recv?.transport.id === transportId ? this.recv : undefined;
    if (!state) throw new SignalingError('No such transport on this connection.', 404);
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new SignalingError('This connection is closed; join the room again.', 409);
  }

  private assertCurrent(epoch: number): void {
    this.assertOpen();
    if (this.epoch !== epoch) throw new SignalingError('This connection was reset while it was set up; set it up again.', 409);
  }
}

function canReceiveOpus(rtpCapabilities: types.RtpCapabilities): boolean {
  return (rtpCapabilities.codecs ?? []).some((c) => c.mimeType.toLowerCase() === 'audio/opus');
}

function transportInfo(transport: types.WebRtcTransport): TransportInfo {
  return {
    id: transport.id,
    iceParameters: transport.iceParameters,
    iceCandidates: transport.iceCandidates.map((c) => ({
      foundation: c.foundation,
      priority: c.priority,
      address: c.address,
      protocol: c.protocol,
      port: c.port,
      type: c.type,
      ...(c.tcpType ? { tcpType: c.tcpType } : {}),
    })),
    dtlsParameters: transport.dtlsParameters,
  };
}
