import type { CSSProperties } from 'react';
import { LANGUAGES, type LanguageCode, type Participant, type RoomEngines } from '@parley/protocol';
import { HeadphonesIcon, MicOffIcon } from './Icons';
import { speakerHue } from './speakerHue';

interface Props {
  participants: Participant[];
  selfId: string | null;
  /** Who is speaking now (from the server's audio levels). */
  activeSpeakers: string[];
  /** The language captions are shown in here, and the engines serving each pair. */
  reads: LanguageCode;
  engines: RoomEngines;
}

/** "pocketsphinx+apertium" → "pocketsphinx + apertium"; "none" and unknown pairs say so. */
function engineLabel(engines: RoomEngines, from: LanguageCode, to: LanguageCode): string {
  const name = engines[`${from}>${to}`];
  if (name === undefined) return 'engines unknown';
  if (name === 'none' || name.endsWith('+none')) return 'no captions available';
  return name.replace(/\+/g, ' + ');
}

export function ParticipantList({ participants, selfId, activeSpeakers, reads, engines }: Props) {
  return (
    <section className="participants" aria-labelledby="participants-heading">
      <h2 id="participants-heading">
        In the room <span className="count">{participants.length}</span>
      </h2>
      {participants.length === 0 ? (
        <p className="participants-empty">Nobody yet.</p>
      ) : (
        <ul>
          {participants.map((p) => (
            <li
              key={p.id}
              className={`participant${activeSpeakers.includes(p.id) ? ' participant--speaking' : ''}`}
              data-testid="participant"
              data-speaking={activeSpeakers.includes(p.id)}
              data-muted={p.muted}
              data-has-mic={p.hasMic}
              style={{ '--hue': speakerHue(p.id) } as CSSProperties}
            >
              <span className="avatar" aria-hidden="true">
                {Array.from(p.name.trim())[0]?.toUpperCase() ?? '?'}
              </span>
              <span className="participant-text">
                <span className="participant-name">
                  {p.name}
                  {p.id === selfId ? <span className="you"> (you)</span> : null}
                </span>
                <span className="participant-langs">
                  speaks {LANGUAGES[p.speaks]} · reads {LANGUAGES[p.reads]}
                </span>
                {p.hasMic && p.id !== selfId ? (
                  <span className="participant-engine" data-testid="participant-engine">
                    captions for you: {engineLabel(engines, p.speaks, reads)}
                  </span>
                ) : null}
              </span>
              <ParticipantAudioState participant={p} speaking={activeSpeakers.includes(p.id)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ParticipantAudioState({ participant, speaking }: { participant: Participant; speaking: boolean }) {
  if (!participant.hasMic) {
    return (
      <span className="participant-state" title="Listening only">
        <HeadphonesIcon />
        <span className="visually-hidden">listening only</span>
      </span>
    );
  }
  if (participant.muted) {
    return (
      <span className="participant-state participant-state--muted" title="Muted">
        <MicOffIcon />
        <span className="visually-hidden">muted</span>
      </span>
    );
  }
  return speaking ? <span className="visually-hidden">speaking</span> : null;
}
