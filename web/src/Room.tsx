import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import { LANGUAGES, type JoinRequest } from '@parley/protocol';
import { CaptionList } from './CaptionList';
import { captionReducer, initialCaptionState, selectCaptions } from './captionStore';
import { ConnectionBadge } from './ConnectionBadge';
import { CopyLinkButton } from './CopyLinkButton';
import { HeadphonesIcon, LeaveIcon, MicIcon, MicOffIcon } from './Icons';
import { ParticipantList } from './ParticipantList';
import { RemoteAudio } from './RemoteAudio';
import { RoomSession, initialSessionView, type SessionView } from './roomSession';

interface Props {
  request: JoinRequest;
  withMic: boolean;
  onJoined: (room: string) => void;
  onRejected: (error: string) => void;
  onLeave: () => void;
}

export function Room({ request, withMic, onJoined, onRejected, onLeave }: Props) {
  const [view, setView] = useState<SessionView>(() => initialSessionView(withMic));
  const [captionState, dispatch] = useReducer(captionReducer, initialCaptionState);
  const sessionRef = useRef<RoomSession | null>(null);
  // The session lives as long as the room view; callbacks are read through a ref so they never restart it.
  const callbacks = useRef({ onJoined, onRejected });
  useLayoutEffect(() => {
    callbacks.current = { onJoined, onRejected };
  });

  useEffect(() => {
    const session = new RoomSession(request, withMic, {
      onView: setView,
      onCaption: (caption) => dispatch({ type: 'received', caption }),
      onJoined: () => callbacks.current.onJoined(request.room),
      onRejected: (error) => callbacks.current.onRejected(error),
    });
    sessionRef.current = session;
    session.start();
    return () => {
      session.close();
      sessionRef.current = null;
    };
  }, [request, withMic]);

  const captions = useMemo(() => selectCaptions(captionState), [captionState]);
  const micLive = view.mic === 'live';

  return (
    <div className="room">
      <header className="room-bar">
        <div className="room-heading">
          <h1 className="room-name">
            <span className="visually-hidden">Room </span>
            {request.room}
          </h1>
          <ConnectionBadge state={view.connection} />
        </div>
        <div className="room-actions">
          <CopyLinkButton room={request.room} />
          {view.mic === 'starting' || view.mic === 'live' ? (
            <button
              type="button"
              className={`button ${view.muted ? 'button--danger' : 'button--secondary'}`}
              data-testid="mute"
              aria-pressed={view.muted}
              disabled={!micLive}
              onClick={() => sessionRef.current?.setMuted(!view.muted)}
            >
              {view.muted ? <MicOffIcon /> : <MicIcon />}
              {view.muted ? 'Unmute' : 'Mute'}
            </button>
          ) : null}
          <button type="button" className="button button--secondary" data-testid="leave" onClick={onLeave}>
            <LeaveIcon />
            {view.ended ? 'Back to lobby' : 'Leave'}
          </button>
        </div>
      </header>

      <div className="room-notices">
        {view.problem ? (
          <div className={`notice ${view.connection === 'failed' ? 'notice--error' : 'notice--warn'}`} role="alert">
            <span>{view.problem}</span>
            {view.canRetry ? (
              <button type="button" className="button button--small" onClick={() => sessionRef.current?.retry()}>
                Try again
              </button>
            ) : null}
          </div>
        ) : null}
        {view.micProblem ? (
          <div className="notice notice--warn" role="alert">
            {view.micProblem}
          </div>
        ) : null}
        {view.captionsPaused ? (
          <div className="notice notice--warn" role="status">
            Captions are paused: the server lost its connection to the caption service. What is said now will be captioned when it is back.
          </div>
        ) : view.captionsDelayed ? (
          <div className="notice notice--info" role="status">
            Captions are running behind
          </div>
        ) : null}
      </div>

      <p className="room-summary">
        {micLive ? (
          view.muted ? (
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
        <span aria-hidden="true"> · </span>
        Captions in {LANGUAGES[request.reads]}
      </p>

      <div className="room-body">
        <CaptionList captions={captions} selfId={view.peerId} reads={request.reads} />
        <ParticipantList
          participants={view.participants}
          selfId={view.peerId}
          activeSpeakers={view.activeSpeakers}
          reads={request.reads}
          engines={view.engines}
        />
      </div>

      {view.remoteStreams.map(({ peerId, stream }) => (
        <RemoteAudio key={peerId} peerId={peerId} stream={stream} />
      ))}
    </div>
  );
}
