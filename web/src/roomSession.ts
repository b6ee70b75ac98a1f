import { io, type Socket } from 'socket.io-client';
import {
  captionSchema,
  participantListSchema,
  roomEnginesSchema,
  type Ack,
  type Caption,
  type ClientToServerEvents,
  type JoinReply,
  type JoinRequest,
  type Participant,
  type RoomEngines,
  type ServerToClientEvents,
} from '@parley/protocol';
import { keepSocketTokenFresh, socketAuth } from './auth';
import { iceGatheringComplete, iceUfrag, nextIceGatheringEnd } from './ice';
import { INSECURE_CONTEXT_MIC_MESSAGE, describeMicError } from './micErrors';

type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = 'connecting' | 'connected' | 'failed';
export type MicState = 'off' | 'starting' | 'live' | 'unavailable';

export interface SessionView {
  connection: ConnectionState;
  /** Why the connection is not (fully) up, as a sentence for the person; null when all is well. */
  problem: string | null;
  /** Whether "try again" can help with `problem`. */
  canRetry: boolean;
  /** The session is over for good (the server sent a fatal error); only leaving is left. */
  ended: boolean;
  mic: MicState;
  micProblem: string | null;
  muted: boolean;
  peerId: string | null;
  participants: Participant[];
  captionsDelayed: boolean;
  /** One per other participant whose audio arrives; the stream id is their participant id. */
  remoteStreams: MediaStream[];
  /** Participants speaking now, loudest first. */
  activeSpeakers: string[];
  /** Which engines caption each language pair, "en>es" → "pocketsphinx+apertium". */
  engines: RoomEngines;
}

export interface SessionHandlers {
  onView(view: SessionView): void;
  onCaption(caption: Caption): void;
  onJoined(reply: JoinReply): void;
  /** The very first join was refused; the lobby is the place to change what was asked for. */
  onRejected(error: string): void;
}

const JOIN_TIMEOUT_MS = 10_000;
// The server may itself spend up to 5 s gathering candidates before it answers.
const OFFER_TIMEOUT_MS = 20_000;
const ICE_GATHER_CAP_MS = 3_000;
const LEAVE_TIMEOUT_MS = 1_000;
const MUTE_TIMEOUT_MS = 5_000;
const RESTART_ICE_TIMEOUT_MS = 5_000;
// There is no "caught up" notice, so the banner goes away once the notices stop.
const DELAYED_BANNER_MS = 10_000;

// Echo cancellation keeps the room's voices from the loudspeaker out of the captions. The browser's
// noise suppression and automatic gain reshape speech in ways that cost the recogniser words (its
// gain ramp swallows the first syllables): on the e2e clip, WER 0.37–0.53 with them, 0.21–0.42 without.
const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: false,
  autoGainControl: false,
};

const FAILED_PEER_MESSAGE =
  'The audio connection to the server failed. The network may be blocking it: try again, try another network, or ask whoever runs this Parley server to set up a TURN relay.';

export function initialSessionView(withMic: boolean): SessionView {
  return {
    connection: 'connecting',
    problem: null,
    canRetry: false,
    ended: false,
    mic: withMic ? 'starting' : 'off',
    micProblem: null,
    muted: false,
    peerId: null,
    participants: [],
    captionsDelayed: false,
    remoteStreams: [],
    activeSpeakers: [],
    engines: {},
  };
}

/**
 * One stay in a room: the socket.io signaling, the microphone and the WebRTC connection that
 * carries it. If the socket drops, socket.io reconnects and the whole join runs again, reusing
 * the microphone so the person is not asked for permission twice.
 */
export class RoomSession {
  private readonly socket: ParleySocket;
  private view: SessionView;
  private pc: RTCPeerConnection | null = null;
  private mic: MediaStream | null = null;
  private micRequest: Promise<MediaStream> | null = null;
  /** Bumped whenever a join is superseded, so its in-flight steps know to give up. */
  private attempt = 0;
  private joinedOnce = false;
  private ended = false;
  private closed = false;
  private delayedTimer: ReturnType<typeof setTimeout> | undefined;
  /** Offers and answers one at a time: a server offer waits until our own offer has its answer. */
  private signaling: Promise<unknown> = Promise.resolve();
  private restartingIce = false;
  private readonly onNetworkChange = () => this.requestIceRestart();
  private readonly stopTokenRefresh: () => void;

  constructor(
    private readonly request: JoinRequest,
    private readonly withMic: boolean,
    private readonly handlers: SessionHandlers,
  ) {
    this.view = initialSessionView(withMic);
    this.socket = io({ autoConnect: false, auth: socketAuth });
    this.stopTokenRefresh = keepSocketTokenFresh(this.socket);
    this.socket.on('mutedByHost', () => this.setMuted(true));
    this.socket.on('connect', () => void this.join());
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (error) => this.onConnectError(error));
    // What the server sends is checked like what it receives: a bad message is dropped, not shown.
    this.socket.on('participants', (participants) => {
      const parsed = participantListSchema.safeParse(participants);
      if (parsed.success) this.update({ participants: parsed.data });
    });
    this.socket.on('caption', (caption) => {
      const parsed = captionSchema.safeParse(caption);
      if (parsed.success && !this.closed) this.handlers.onCaption(parsed.data);
    });
    this.socket.on('engines', (engines) => {
      const parsed = roomEnginesSchema.safeParse(engines);
      if (parsed.success) this.update({ engines: parsed.data });
    });
    this.socket.on('captionsDelayed', (notice) => this.onCaptionsDelayed(notice.backlog));
    this.socket.on('fatal', (error) => this.end(error.message));
    this.socket.on('activeSpeakers', ({ ids }) => this.update({ activeSpeakers: ids }));
    this.socket.on('renegotiate', (request, ack) => {
      const pc = this.pc;
      this.signaling = this.signaling.then(() => this.answerServerOffer(pc, request.description.sdp, ack));
    });
    window.addEventListener('online', this.onNetworkChange);
    networkInformation()?.addEventListener('change', this.onNetworkChange);
  }

  start(): void {
    this.socket.connect();
  }

  /** Silences the microphone here and asks the server to stop forwarding and captioning it. */
  setMuted(muted: boolean): void {
    for (const track of this.mic?.getAudioTracks() ?? []) track.enabled = !muted;
    this.update({ muted });
    if (this.socket.connected && this.view.peerId) this.sendMuted(muted);
  }

  private sendMuted(muted: boolean): void {
    this.socket
      .timeout(MUTE_TIMEOUT_MS)
      .emitWithAck('mute', { muted })
      .then(
        (reply) => {
          if (!reply.ok && !this.closed) this.update({ problem: `Muting did not reach the server: ${reply.error}` });
        },
        () => undefined,
      );
  }

  /** Starts over from a clean socket; the server forgets a peer whose socket went away. */
  retry(): void {
    if (this.ended || this.closed) return;
    this.attempt += 1;
    this.dropPeer();
    this.update({ connection: 'connecting', problem: null, canRetry: false });
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Leaves the room and releases the microphone; the session cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTokenRefresh();
    this.releaseMedia();
    const socket = this.socket;
    socket.off();
    if (socket.connected) {
      // Leaving explicitly frees the seat at once; the disconnect alone would too, just later.
      socket.timeout(LEAVE_TIMEOUT_MS).emit('leave', () => socket.disconnect());
    } else {
      socket.disconnect();
    }
  }

  private async join(): Promise<void> {
    const attempt = ++this.attempt;
    this.dropPeer();
    this.update({ connection: 'connecting', problem: null, canRetry: false });
    let reply: Ack<JoinReply>;
    try {
      reply = await this.socket.timeout(JOIN_TIMEOUT_MS).emitWithAck('join', this.request);
    } catch {
      if (this.isStale(attempt)) return;
      this.fail('The server did not answer the request to join the room.', true);
      return;
    }
    if (this.isStale(attempt)) return;
    if (!reply.ok) {
      if (this.joinedOnce) {
        this.fail(`The server did not let you back into the room: ${reply.error}`, true);
      } else {
        this.end(reply.error);
        this.handlers.onRejected(reply.error);
      }
      return;
    }
    this.joinedOnce = true;
    this.update({ peerId: reply.peerId, participants: reply.participants, activeSpeakers: [] });
    this.handlers.onJoined(reply);
    if (this.view.muted) this.sendMuted(true);
    let mic: MediaStream | null = null;
    if (this.withMic && this.view.mic !== 'unavailable') {
      try {
        mic = await this.microphone();
      } catch (error) {
        if (this.isStale(attempt)) return;
        const micProblem = window.isSecureContext ? describeMicError(error) : INSECURE_CONTEXT_MIC_MESSAGE;
        // The person stays in as a listener: they still hear the room and read its captions.
        this.update({ mic: 'unavailable', micProblem });
      }
      if (this.isStale(attempt)) return;
    }
    await this.connectAudio(attempt, reply, mic);
  }

  /** The WebRTC connection: sends the microphone (if any) and receives everyone else's audio. */
  private async connectAudio(attempt: number, reply: JoinReply, mic: MediaStream | null): Promise<void> {
    const pc = new RTCPeerConnection({ iceServers: reply.iceServers });
    this.pc = pc;
    pc.addEventListener('connectionstatechange', () => {
      if (this.pc === pc) this.onPeerState(pc.connectionState);
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (this.pc === pc && (pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed')) this.requestIceRestart();
    });
    pc.addEventListener('track', (event) => {
      if (this.pc === pc) this.onRemoteTrack(event);
    });
    const firstExchange = this.offerToServer(attempt, pc, mic);
    this.signaling = firstExchange;
    await firstExchange;
  }

  private async offerToServer(attempt: number, pc: RTCPeerConnection, mic: MediaStream | null): Promise<void> {
    try {
      const tracks = mic?.getAudioTracks() ?? [];
      for (const track of tracks) {
        // sendrecv leaves room for the server to send another participant's audio on the same line.
        pc.addTransceiver(track, { direction: 'sendrecv', streams: [mic!] });
      }
      // Listen-only: one receive-only line, so that there is a connection to hear the room on.
      if (tracks.length === 0) pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await iceGatheringComplete(pc, ICE_GATHER_CAP_MS);
      if (this.isStale(attempt)) return;
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new Error('the browser produced no offer');
      const answer = await this.socket
        .timeout(OFFER_TIMEOUT_MS)
        .emitWithAck('offer', { description: { type: 'offer', sdp } });
      if (this.isStale(attempt)) return;
      if (!answer.ok) {
        this.fail(`The server could not set up the audio connection: ${answer.error}`, true);
        return;
      }
      await pc.setRemoteDescription(answer.description);
    } catch (error) {
      if (this.isStale(attempt)) return;
      const detail = error instanceof Error ? ` (${error.message})` : '';
      this.fail(`The audio connection could not be set up${detail}.`, true);
    }
  }

  /** The server changed what it sends (someone came, went or got a microphone) or restarted ICE. */
  private async answerServerOffer(pc: RTCPeerConnection | null, sdp: string, ack: (reply: unknown) => void): Promise<void> {
    if (!pc || pc !== this.pc || this.closed) return;
    try {
      const restartsIce = iceUfrag(sdp) !== iceUfrag(pc.remoteDescription?.sdp);
      await pc.setRemoteDescription({ type: 'offer', sdp });
      // An ICE restart gathers new candidates, and the server takes none trickled: the answer carries them.
      const gathered = restartsIce ? nextIceGatheringEnd(pc, ICE_GATHER_CAP_MS) : undefined;
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered;
      if (pc !== this.pc || this.closed) return;
      const answer = pc.localDescription?.sdp;
      if (!answer) throw new Error('the browser produced no answer');
      ack({ description: { type: 'answer', sdp: answer } });
    } catch (error) {
      // The server disconnects us on a reply that is no answer; reconnecting starts clean.
      ack({ error: error instanceof Error ? error.message : String(error) });
    }
  }

  private onRemoteTrack(event: RTCTrackEvent): void {
    const stream = event.streams[0];
    if (!stream) return;
    // The server may move a transceiver to another participant: drop a stream once it has no track left.
    stream.addEventListener('removetrack', () => {
      if (stream.getTracks().length === 0) this.update({ remoteStreams: this.view.remoteStreams.filter((s) => s !== stream) });
    });
    const others = this.view.remoteStreams.filter((s) => s !== stream && s.id !== stream.id);
    this.update({ remoteStreams: [...others, stream] });
  }

  /** The network changed or ICE dropped: ask the server for an offer with fresh ICE credentials. */
  private requestIceRestart(): void {
    const pc = this.pc;
    if (!pc || this.restartingIce || !this.socket.connected || this.ended) return;
    if (pc.connectionState === 'new' || pc.signalingState === 'closed') return;
    this.restartingIce = true;
    this.socket
      .timeout(RESTART_ICE_TIMEOUT_MS)
      .emitWithAck('restartIce')
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.restartingIce = false;
      });
  }

  private stopWatchingNetwork(): void {
    window.removeEventListener('online', this.onNetworkChange);
    networkInformation()?.removeEventListener('change', this.onNetworkChange);
  }

  /** Opens the microphone once per session; later rejoins reuse it (or its failure). */
  private microphone(): Promise<MediaStream> {
    if (!this.micRequest) {
      if (!navigator.mediaDevices?.getUserMedia) {
        return Promise.reject(new DOMException('navigator.mediaDevices is unavailable', 'SecurityError'));
      }
      this.micRequest = navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS }).then((stream) => {
        if (this.ended) {
          for (const track of stream.getTracks()) track.stop();
          throw new Error('the session ended while the microphone was starting');
        }
        this.mic = stream;
        for (const track of stream.getAudioTracks()) {
          track.enabled = !this.view.muted;
          track.addEventListener('ended', () => {
            this.update({
              mic: 'unavailable',
              micProblem: 'Your microphone stopped (it may have been unplugged or its permission revoked). Leave and rejoin to speak again.',
            });
          });
        }
        this.update({ mic: 'live', micProblem: null });
        return stream;
      });
    }
    return this.micRequest;
  }

  private onPeerState(state: RTCPeerConnectionState): void {
    switch (state) {
      case 'new':
      case 'connecting':
        this.update({ connection: 'connecting', problem: null });
        break;
      case 'connected':
        this.update({ connection: 'connected', problem: null, canRetry: false });
        break;
      case 'disconnected':
        this.update({ connection: 'connecting', problem: 'The audio connection was interrupted. Trying to recover…' });
        break;
      case 'failed':
        this.fail(FAILED_PEER_MESSAGE, true);
        break;
      case 'closed':
        break;
    }
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    if (this.ended) return;
    this.attempt += 1;
    this.dropPeer();
    this.update({ peerId: null });
    // A disconnect we asked for is followed by our own reconnect.
    if (reason === 'io client disconnect') return;
    if (reason === 'io server disconnect') {
      this.fail('The server closed the connection.', true);
      return;
    }
    this.update({ connection: 'connecting', problem: 'Lost the connection to the server. Reconnecting…', canRetry: false });
  }

  private onConnectError(error: Error): void {
    if (this.ended) return;
    if (this.socket.active) {
      this.update({ connection: 'connecting', problem: 'Cannot reach the Parley server. Retrying…', canRetry: false });
    } else {
      this.fail(`The server refused the connection: ${error.message}`, true);
    }
  }

  private onCaptionsDelayed(backlog: number): void {
    clearTimeout(this.delayedTimer);
    if (backlog <= 0) {
      this.update({ captionsDelayed: false });
      return;
    }
    this.update({ captionsDelayed: true });
    this.delayedTimer = setTimeout(() => this.update({ captionsDelayed: false }), DELAYED_BANNER_MS);
  }

  private fail(problem: string, canRetry: boolean): void {
    this.update({ connection: 'failed', problem, canRetry });
  }

  /** Ends the session's media for good: in-flight joins give up, the connection and microphone go. */
  private releaseMedia(): void {
    this.ended = true;
    this.attempt += 1;
    clearTimeout(this.delayedTimer);
    this.stopWatchingNetwork();
    this.dropPeer();
    this.stopMicrophone();
  }

  /** The server gave up on this session; staying connected would only retry into the same error. */
  private end(message: string): void {
    if (this.ended) return;
    this.releaseMedia();
    this.update({
      connection: 'failed',
      problem: message,
      canRetry: false,
      ended: true,
      captionsDelayed: false,
      mic: this.withMic ? 'unavailable' : 'off',
    });
    this.socket.disconnect();
  }

  private dropPeer(): void {
    const pc = this.pc;
    this.pc = null;
    pc?.close();
    this.signaling = Promise.resolve();
    if (this.view.remoteStreams.length > 0 || this.view.activeSpeakers.length > 0) this.update({ remoteStreams: [], activeSpeakers: [] });
  }

  private stopMicrophone(): void {
    for (const track of this.mic?.getTracks() ?? []) track.stop();
    this.mic = null;
  }

  private isStale(attempt: number): boolean {
    return this.ended || attempt !== this.attempt;
  }

  private update(patch: Partial<SessionView>): void {
    if (this.closed) return;
    this.view = { ...this.view, ...patch };
    this.handlers.onView(this.view);
  }
}

/** navigator.connection where the browser has it (Chromium): its change event means a new network. */
function networkInformation(): EventTarget | undefined {
  return (navigator as Navigator & { connection?: EventTarget }).connection;
}
