import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import { LANGUAGES, type JoinRequest, type LanguageCode, type Participant } from '@parley/protocol';
import { HeadphonesIcon, KeyboardIcon, LeaveIcon, LockIcon, MicIcon, MicOffIcon, SettingsIcon } from '../Icons';
import { readableLanguages } from '../engines';
import { LanguageSelect } from '../lobby/LanguageSelect';
import { CAPTION_SIZES, useDisplaySettings } from '../settings/displaySettings';
import { SettingsDialog } from '../settings/SettingsDialog';
import { ShortcutsDialog } from '../settings/ShortcutsDialog';
import { CaptionList } from './CaptionList';
import { CaptionReader } from './CaptionReader';
import { selectCaptions } from './captionStore';
import { ConnectionBadge } from './ConnectionBadge';
import { CopyLinkButton } from './CopyLinkButton';
import { ParticipantList } from './ParticipantList';
import { RemoteAudio } from './RemoteAudio';
import { RoomNotices } from './RoomNotices';
import { initialRoomState, roomReducer } from './roomReducer';
import { RoomSession } from './roomSession';
import { useRoomShortcuts } from './useRoomShortcuts';

interface Props {
  request: JoinRequest;
  withMic: boolean;
  micDeviceId?: string;
  /** Set when I own the room (sign-in on): host controls are shown. */
  host?: { locked: boolean };
  onJoined: (room: string) => void;
  onRejected: (error: string) => void;
  onLeave: () => void;
  /** The caption language changed here; the lobby remembers it. */
  onReadsChanged?: (reads: LanguageCode) => void;
}

export function Room({ request, withMic, micDeviceId, host, onJoined, onRejected, onLeave, onReadsChanged }: Props) {
  const [state, dispatch] = useReducer(roomReducer, { withMic, reads: request.reads }, initialRoomState);
  const [settings, updateSettings] = useDisplaySettings();
  const [dialog, setDialog] = useState<'settings' | 'shortcuts' | null>(null);
  const [showOriginals, setShowOriginals] = useState(false);
  const [jumpSignal, setJumpSignal] = useState(0);
  const [locked, setLocked] = useState(host?.locked ?? false);
  const [hostError, setHostError] = useState<string | null>(null);
  const sessionRef = useRef<RoomSession | null>(null);
  // The session lives as long as the room view; callbacks are read through a ref so they never restart it.
  const callbacks = useRef({ onJoined, onRejected, onReadsChanged });
  useLayoutEffect(() => {
    callbacks.current = { onJoined, onRejected, onReadsChanged };
  });

  useEffect(() => {
    const session = new RoomSession(request, { withMic, micDeviceId }, {
      dispatch,
      onJoined: () => callbacks.current.onJoined(request.room),
      onRejected: (error) => callbacks.current.onRejected(error),
    });
    sessionRef.current = session;
    session.start();
    return () => {
      session.close();
      sessionRef.current = null;
    };
  }, [request, withMic, micDeviceId]);

  // Once in, and whenever the caption language changes: History remembers the room in it.
  useEffect(() => {
    if (state.peerId) callbacks.current.onReadsChanged?.(state.reads);
  }, [state.reads, state.peerId]);

  // Whether I own the room is known a moment after joining (sign-in on).
  useEffect(() => {
    if (host) setLocked(host.locked);
  }, [host]);

  // Read-aloud: each of someone else's translated phrases once, as it becomes final.
  const reader = useMemo(() => new CaptionReader(), []);
  const announcement = state.announcement;
  useEffect(() => {
    if (settings.readAloud && announcement && CaptionReader.wants(announcement.caption, state.peerId)) reader.read(announcement.caption);
  }, [announcement, settings.readAloud, reader, state.peerId]);
  useEffect(() => {
    if (!settings.readAloud) reader.stop();
  }, [settings.readAloud, reader]);
  useEffect(() => () => reader.stop(), [reader]);

  const captions = useMemo(() => selectCaptions(state.captions), [state.captions]);
  const micLive = state.mic === 'live';
  const canMute = micLive && !state.ended;
  const toggleMute = useCallback(() => {
    if (canMute) sessionRef.current?.setMuted(!state.muted);
  }, [canMute, state.muted]);

  const stepSize = (step: 1 | -1) => {
    const i = CAPTION_SIZES.indexOf(settings.captionSize) + step;
    if (i >= 0 && i < CAPTION_SIZES.length) updateSettings({ captionSize: CAPTION_SIZES[i]! });
  };
  useRoomShortcuts({
    mute: toggleMute,
    jump: () => setJumpSignal((n) => n + 1),
    bigger: () => stepSize(1),
    smaller: () => stepSize(-1),
    originals: () => setShowOriginals((v) => !v),
    settings: () => setDialog('settings'),
    help: () => setDialog('shortcuts'),
  });

  const hostActions = useMemo(() => {
    if (!host) return undefined;
    const run = (request: Parameters<RoomSession['host']>[0]) => {
      setHostError(null);
      sessionRef.current?.host(request).catch((error: Error) => setHostError(error.message));
    };
    return {
      mute: (p: Participant) => run({ action: 'mute', participantId: p.id }),
      remove: (p: Participant) => {
        if (window.confirm(`Remove ${p.name} from this room? They will not be able to rejoin.`)) run({ action: 'remove', participantId: p.id });
      },
      // The box follows the click at once (a controlled box that waited for the server would spring
      // back first); a refusal puts it back and says why.
      lock: (value: boolean) => {
        setHostError(null);
        setLocked(value);
        sessionRef.current?.host({ action: 'lock', locked: value }).catch((error: Error) => {
          setLocked(!value);
          setHostError(error.message);
        });
      },
    };
  }, [host]);

  return (
    <div className="room">
      <header className="room-bar">
        <div className="room-heading">
          <h1 className="room-name">
            <span className="visually-hidden">Room </span>
            {request.room}
            {locked ? <LockIcon /> : null}
          </h1>
          <ConnectionBadge state={state.connection} />
        </div>
        <div className="room-actions">
          {state.mic === 'starting' || state.mic === 'live' ? (
            <button
              type="button"
              className={`button button--mute ${state.muted ? 'button--danger' : 'button--secondary'}`}
              data-testid="mute"
              aria-pressed={state.muted}
              aria-keyshortcuts="M"
              disabled={!canMute}
              onClick={toggleMute}
            >
              {state.muted ? <MicOffIcon /> : <MicIcon />}
              {state.muted ? 'Unmute' : 'Mute'}
              <kbd className="shortcut-hint" aria-hidden="true">
                M
              </kbd>
            </button>
          ) : null}
          <CopyLinkButton room={request.room} />
          <button type="button" className="button button--ghost button--icon-text" data-testid="open-settings" onClick={() => setDialog('settings')} aria-keyshortcuts="S">
            <SettingsIcon />
            <span className="label">Display</span>
          </button>
          <button type="button" className="button button--ghost button--icon-text hide-narrow" data-testid="open-shortcuts" onClick={() => setDialog('shortcuts')} aria-keyshortcuts="?">
            <KeyboardIcon />
            <span className="label">Shortcuts</span>
          </button>
          <button type="button" className="button button--secondary" data-testid="leave" onClick={onLeave}>
            <LeaveIcon />
            {state.ended ? 'Back to lobby' : 'Leave'}
          </button>
        </div>
      </header>

      <RoomNotices state={state} onRetry={() => sessionRef.current?.retry()} />
      {hostError ? (
        <p className="notice notice--error" role="alert">
          {hostError}
        </p>
      ) : null}

      <div className="room-summary">
        <span className="room-summary-mic">
          {micLive ? (
            state.muted ? (
              <>
                <MicOffIcon /> You are muted
              </>
            ) : (
              <>
                <MicIcon /> Speaking {LANGUAGES[request.speaks]}
              </>
            )
          ) : (
            <>
              <HeadphonesIcon /> Listening
            </>
          )}
        </span>
        <label className="room-reads" htmlFor="room-reads">
          Captions in
        </label>
        <LanguageSelect
          id="room-reads"
          testId="room-reads"
          value={state.readsPending ?? state.reads}
          disabled={state.ended || state.connection !== 'connected' || state.readsPending !== null}
          served={readableLanguages(state.engines)}
          onChange={(code) => sessionRef.current?.setCaptionLanguage(code)}
        />
        {hostActions ? (
          <label className="checkbox room-lock">
            <input type="checkbox" data-testid="host-lock" checked={locked} onChange={(e) => hostActions.lock(e.target.checked)} />
            Lock room
          </label>
        ) : null}
      </div>

      <div className="room-body">
        <CaptionList
          captions={captions}
          selfId={state.peerId}
          reads={state.reads}
          announcement={state.announcement}
          showOriginals={showOriginals}
          jumpSignal={jumpSignal}
        />
        <ParticipantList
          participants={state.participants}
          selfId={state.peerId}
          activeSpeakers={state.activeSpeakers}
          reads={state.reads}
          engines={state.engines}
          host={hostActions}
        />
      </div>

      {state.remoteStreams.map(({ peerId, stream }) => (
        <RemoteAudio key={peerId} peerId={peerId} stream={stream} />
      ))}

      <SettingsDialog open={dialog === 'settings'} onClose={() => setDialog(null)} />
      <ShortcutsDialog open={dialog === 'shortcuts'} onClose={() => setDialog(null)} />
    </div>
  );
}
