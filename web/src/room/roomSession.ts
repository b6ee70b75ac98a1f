import { RoomClient } from '@parley/client';
import type { HostRequest, JoinReply, JoinRequest, LanguageCode } from '@parley/protocol';
import { keepSocketTokenFresh, socketAuth } from '../auth';
import { INSECURE_CONTEXT_MIC_MESSAGE, describeMicError } from '../micErrors';
import { audioConstraints } from '../lobby/microphone';
import type { RoomAction } from './roomReducer';

export interface SessionHandlers {
  dispatch(action: RoomAction): void;
  onJoined(reply: JoinReply): void;
  /** The very first join was refused; the lobby is the place to change what was asked for. */
  onRejected(error: string): void;
}

// There is no "caught up" notice, so the banner goes away once the notices stop.
const DELAYED_BANNER_MS = 10_000;

/**
 * One stay in a room as the page shows it: the shared RoomClient (signaling, mediasoup transports,
 * reconnects) turned into reducer actions, plus what only a browser has — the microphone
 * permission, network-change events and <audio> streams.
 */
export class RoomSession {
  private readonly client: RoomClient;
  private delayedTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private ended = false;
  private readonly onNetworkChange = () => void this.client.restartIce().catch(() => undefined);

  constructor(
    request: JoinRequest,
    private readonly options: { withMic: boolean; micDeviceId?: string },
    private readonly handlers: SessionHandlers,
  ) {
    // The socket token comes from the session on every (re)connect, and is renewed before it expires,
    // on each socket the client opens (it may be sent to the node that hosts the room).
    this.client = new RoomClient({
      join: request,
      socket: { auth: socketAuth },
      onSocket: (socket) => keepSocketTokenFresh(socket),
      ...(options.withMic ? { microphone: () => this.openMicrophone() } : {}),
    });
    const client = this.client;
    const dispatch = (action: RoomAction) => {
      if (!this.closed) handlers.dispatch(action);
    };
    client.on('connection', (state, problem, canRetry) => dispatch({ type: 'connection', state, problem, canRetry }));
    client.on('joined', (reply) => {
      dispatch({ type: 'joined', peerId: reply.peerId });
      dispatch({ type: 'readsChanged', reads: client.reads });
      handlers.onJoined(reply);
    });
    client.on('rejected', (error) => {
      this.end(error);
      handlers.onRejected(error);
    });
    client.on('ended', (message) => this.end(message));
    client.on('participants', (participants) => dispatch({ type: 'participants', participants }));
    client.on('caption', (caption) => dispatch({ type: 'caption', caption }));
    client.on('engines', (engines) => dispatch({ type: 'engines', engines }));
    client.on('activeSpeakers', (ids) => dispatch({ type: 'activeSpeakers', ids }));
    client.on('captionsDelayed', (backlog) => this.onCaptionsDelayed(backlog));
    client.on('captionsPaused', (paused) => dispatch({ type: 'captionsPaused', paused }));
    client.on('quality', (quality) => dispatch({ type: 'quality', quality }));
    client.on('muted', (muted) => dispatch({ type: 'muted', muted }));
    client.on('mutedByHost', () => dispatch({ type: 'mutedByHost' }));
    client.on('mic', (mic, error) => {
      // Without a microphone the person stays in as a listener: they still hear the room and read its captions.
      const problem = mic === 'unavailable' ? (window.isSecureContext ? describeMicError(error) : INSECURE_CONTEXT_MIC_MESSAGE) : null;
      dispatch({ type: 'mic', state: mic, problem });
    });
    client.on('remoteTrack', (peerId, track) => dispatch({ type: 'remoteTrack', peerId, stream: new MediaStream([track]) }));
    client.on('remoteTrackEnded', (peerId) => dispatch({ type: 'remoteTrackEnded', peerId }));
    window.addEventListener('online', this.onNetworkChange);
    networkInformation()?.addEventListener('change', this.onNetworkChange);
  }

  start(): void {
    this.client.start();
  }

  /** Silences the microphone here and asks the server to stop forwarding and captioning it. */
  setMuted(muted: boolean): void {
    this.client.setMuted(muted).catch((error: unknown) => {
      if (!this.closed) this.handlers.dispatch({ type: 'problem', problem: `Muting did not reach the server: ${(error as Error).message}` });
    });
  }

  /** Captions in `reads` from the next phrase on; the ones already shown stay as they were. */
  setCaptionLanguage(reads: LanguageCode): void {
    this.handlers.dispatch({ type: 'readsRequested', reads });
    this.client.setCaptionLanguage(reads).then(
      () => {
        if (!this.closed) this.handlers.dispatch({ type: 'readsChanged', reads });
      },
      (error: unknown) => {
        if (!this.closed) this.handlers.dispatch({ type: 'readsFailed', reads, error: `The caption language could not be changed: ${(error as Error).message}` });
      },
    );
  }

  /** Host controls; rejects with the server's sentence. */
  host(request: HostRequest): Promise<void> {
    return this.client.host(request);
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
    const stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(this.options.micDeviceId) });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new DOMException('the microphone gave no audio track', 'NotFoundError');
    if (this.closed) {
      track.stop();
      throw new Error('the session ended while the microphone was starting');
    }
    track.addEventListener('ended', () => {
      if (this.closed) return;
      this.handlers.dispatch({
        type: 'mic',
        state: 'unavailable',
        problem: 'Your microphone stopped (it may have been unplugged or its permission revoked). Leave and rejoin to speak again.',
      });
    });
    return track;
  }

  private onCaptionsDelayed(backlog: number): void {
    clearTimeout(this.delayedTimer);
    if (this.closed) return;
    this.handlers.dispatch({ type: 'captionsDelayed', delayed: backlog > 0 });
    if (backlog > 0) this.delayedTimer = setTimeout(() => this.handlers.dispatch({ type: 'captionsDelayed', delayed: false }), DELAYED_BANNER_MS);
  }

  /** The server gave up on this session; staying connected would only retry into the same error. */
  private end(message: string): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    clearTimeout(this.delayedTimer);
    this.stopWatchingNetwork();
    this.handlers.dispatch({ type: 'ended', message, withMic: this.options.withMic });
  }

  private stopWatchingNetwork(): void {
    window.removeEventListener('online', this.onNetworkChange);
    networkInformation()?.removeEventListener('change', this.onNetworkChange);
  }
}

/** navigator.connection where the browser has it (Chromium): its change event means a new network. */
function networkInformation(): EventTarget | undefined {
  return (navigator as Navigator & { connection?: EventTarget }).connection;
}
