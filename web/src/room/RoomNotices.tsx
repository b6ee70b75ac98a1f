import { LANGUAGES } from '@parley/protocol';
import { uncaptionedSpeakers, type RoomState } from './roomReducer';

interface Props {
  state: RoomState;
  onRetry: () => void;
}

const QUALITY_MESSAGE = {
  poor: 'Your connection is weak: voices may break up and captions may come late.',
  bad: 'Your connection is very poor: audio is being lost. Move closer to Wi-Fi or switch networks if you can.',
} as const;

/** Banners above the captions: connection, microphone, delays, language pairs without captions, host actions. */
export function RoomNotices({ state, onRetry }: Props) {
  const uncaptioned = uncaptionedSpeakers(state);
  return (
    <div className="room-notices">
      {state.problem ? (
        <div className={`notice ${state.connection === 'failed' ? 'notice--error' : 'notice--warn'}`} role="alert" data-testid="connection-problem">
          <span>{state.problem}</span>
          {state.canRetry ? (
            <button type="button" className="button button--small" onClick={onRetry}>
              Try again
            </button>
          ) : null}
        </div>
      ) : null}
      {state.micProblem ? (
        <div className="notice notice--warn" role="alert" data-testid="mic-problem">
          {state.micProblem}
        </div>
      ) : null}
      {state.mutedByHost && state.muted ? (
        <div className="notice notice--info" role="status" data-testid="muted-by-host">
          The host muted your microphone. Unmute when you want to speak again.
        </div>
      ) : null}
      {state.connection === 'connected' && (state.quality === 'poor' || state.quality === 'bad') ? (
        <div className="notice notice--warn" role="status" data-testid="quality-warning">
          {QUALITY_MESSAGE[state.quality]}
        </div>
      ) : null}
      {state.captionsPaused ? (
        <div className="notice notice--warn" role="status" data-testid="captions-paused">
          Captions are paused: the server lost its connection to the caption service. What is said now will be captioned when it is back.
        </div>
      ) : state.captionsDelayed ? (
        <div className="notice notice--info" role="status" data-testid="captions-delayed">
          Captions are delayed: the server is busy. None will be lost; they will catch up.
        </div>
      ) : null}
      {state.readsPending ? (
        <div className="notice notice--info" role="status">
          Switching captions to {LANGUAGES[state.readsPending]}…
        </div>
      ) : null}
      {state.readsError ? (
        <div className="notice notice--error" role="alert">
          {state.readsError}
        </div>
      ) : null}
      {uncaptioned.length > 0 ? (
        <div className="notice notice--warn" role="status" data-testid="pair-unavailable">
          No captions in {LANGUAGES[state.reads]} for{' '}
          {uncaptioned.map((p) => `${p.name} (who speaks ${LANGUAGES[p.speaks]})`).join(', ')}: this server cannot caption that language
          pair. Choose another caption language, or ask them to speak one it serves.
        </div>
      ) : null}
    </div>
  );
}
