import type { CSSProperties } from 'react';
import { LANGUAGES, type Participant } from '@parley/protocol';
import { speakerHue } from './speakerHue';

interface Props {
  participants: Participant[];
  selfId: string | null;
}

export function ParticipantList({ participants, selfId }: Props) {
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
            <li key={p.id} className="participant" style={{ '--hue': speakerHue(p.id) } as CSSProperties}>
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
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
