import { RoomClient } from '@parley/client';
import type { Caption, JoinReply, JoinRequest, Participant, RoomEngines } from '@parley/protocol';
import { keepSocketTokenFresh, socketAuth } from './auth';
import { INSECURE_CONTEXT_MIC_MESSAGE, describeMicError } from './micErrors';

export type ConnectionState = 'connecting' | 'connected' | 'failed';
export type MicState = 'off' | 'starting' | 'live' | 'unavailable';

/** Another participant's audio, played by an <audio> element. */
export interface RemoteStream {
  peerId: string;
  stream: MediaStream;
}

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
  /** The server lost its caption pipeline for now: what is said is captioned when it is back. */
  captionsPaused: boolean;
  /** One per other participant whose audio arrives. */
  remoteStreams: RemoteStream[];
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
    captionsPaused: false,
    remoteStreams: [],
    activeSpeakers: [],
    engines: {},
  };
}

/**
 * One stay in a room as the page shows it: the shared RoomClient (signaling, mediasoup transports,
 * reconnects) turned into one view object, plus what only a browser has — the microphone
 * permission, network-change events and <audio> streams.
 */
export class RoomSession {
  private readonly client: RoomClient;
  private view: SessionView;
  private delayedTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly onNetworkChange = () => void this.client.restartIce().catch(() => undefined);

  constructor(
    request: JoinRequest,
    private readonly withMic: boolean,
    private readonly handlers: SessionHandlers,
  ) {
    this.view = initialSessionView(withMic);
    // The socket token comes from the session on every (re)connect, and is renewed before it expires,
    // on each socket the client opens (it may be sent to the node that hosts the room).
    this.client = new RoomClient({
      join: request,
      socket: { auth: socketAuth },
      onSocket: (socket) => {
        socket.on('mutedByHost', () => this.setMuted(true));
        return keepSocketTokenFresh(socket);
      },
      ...(withMic ? { microphone: () => this.openMicrophone() } : {}),
    });
    const client = this.client;
    client.on('connection', (connection, problem, canRetry) => this.update({ connection, problem, canRetry }));
    client.on('joined', (reply) => {
      this.update({ peerId: reply.peerId, activeSpeakers: [] });
      this.handlers.onJoined(reply);
    });
    client.on('rejected', (error) => {
      this.end(error);
      this.handlers.onRejected(error);
    });
    client.on('ended', (message) => this.end(message));
    client.on('participants', (participants) => this.update({ participants }));
    client.on('caption', (caption) => {
      if (!this.closed) this.handlers.onCaption(caption);
    });
    client.on('engines', (engines) => this.update({ engines }));
    client.on('activeSpeakers', (activeSpeakers) => this.update({ activeSpeakers }));
    client.on('captionsDelayed', (backlog) => this.onCaptionsDelayed(backlog));
    client.on('captionsPaused', (captionsPaused) => this.update({ captionsPaused }));
    client.on('muted', (muted) => this.update({ muted }));
    client.on('mic', (mic, error) => {
      if (mic === 'unavailable') {
        // The person stays in as a listener: they still hear the room and read its captions.
        this.update({ mic, micProblem: window.isSecureContext ? describeMicError(error) : INSECURE_CONTEXT_MIC_MESSAGE });
      } else {
        this.update({ mic, micProblem: null });
      }
    });
    client.on('remoteTrack', (peerId, track) => {
      const others = this.view.remoteStreams.filter((s) => s.peerId !== peerId);
      this.update({ remoteStreams: [...others, { peerId, stream: new MediaStream([track]) }] });
    });
    client.on('remoteTrackEnded', (peerId) => this.update({ remoteStreams: this.view.remoteStreams.filter((s) => s.peerId !== peerId) }));
    window.addEventListener('online', this.onNetworkChange);
    networkInformation()?.addEventListener('change', this.onNetworkChange);
  }

  start(): void {
    this.client.start();
  }

  /** Silences the microphone here and asks the server to stop forwarding and captioning it. */
  setMuted(muted: boolean): void {
    this.client.setMuted(muted).catch((error: unknown) => {
      if (!this.closed) this.update({ problem: `Muting did not reach the server: ${(error as Error).message}` });
    });
  }

  /** Starts over from a clean socket; the server forgets a peer whose socket went away. */
  retry(): void {
    this.client.retry();
  }

  /** Leaves the room and releases the microphone; the session cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.delayedTimer);
    this.stopWatchingNetwork();
    this.client.close();
  }

  private async openMicrophone(): Promise<MediaStreamTrack> {
    if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('navigator.mediaDevices is unavailable', 'SecurityError');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new DOMException('the microphone gave no audio track', 'NotFoundError');
    if (this.closed) {
      track.stop();
      throw new Error('the session ended while the microphone was starting');
    }
    track.addEventListener('ended', () => {
      this.update({
        mic: 'unavailable',
        micProblem: 'Your microphone stopped (it may have been unplugged or its permission revoked). Leave and rejoin to speak again.',
      });
    });
    return track;
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

  /** The server gave up on this session; staying connected would only retry into the same error. */
  private end(message: string): void {
    if (this.view.ended) return;
    clearTimeout(this.delayedTimer);
    this.stopWatchingNetwork();
    this.update({
      connection: 'failed',
      problem: message,
      canRetry: false,
      ended: true,
      captionsDelayed: false,
      captionsPaused: false,
      mic: this.withMic ? 'unavailable' : 'off',
      remoteStreams: [],
      activeSpeakers: [],
    });
  }

  private stopWatchingNetwork(): void {
    window.removeEventListener('online', this.onNetworkChange);
    networkInformation()?.removeEventListener('change', this.onNetworkChange);
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
