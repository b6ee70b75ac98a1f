import type { CSSProperties } from 'react';
import { LANGUAGES, type LanguageCode, type Participant, type RoomEngines } from '@parley/protocol';
import { KIND_LABEL, pairService } from '../engines';
import { HeadphonesIcon, MicOffIcon } from '../Icons';
import { speakerHue } from '../speakerHue';

interface Props {
  participants: Participant[];
  selfId: string | null;
  /** Who is speaking now (from the server's audio levels). */
  activeSpeakers: string[];
  /** The language captions are shown in here, and the engines serving each pair. */
  reads: LanguageCode;
  engines: RoomEngines;
  /** Present when I own the room: mute or remove someone. */
  host?: { mute: (participant: Participant) => void; remove: (participant: Participant) => void };
}

/** "pocketsphinx + Apertium (offline)", or why there are none. */
function engineLabel(engines: RoomEngines, from: LanguageCode, to: LanguageCode): string {
  const service = pairService(engines, from, to);
  if (service.available) return `${service.label} (${KIND_LABEL[service.kind]})`;
  return service.reason === 'unknown' ? 'engines unknown' : 'no captions available';
}

export function ParticipantList({ participants, selfId, activeSpeakers, reads, engines, host }: Props) {
  return (
    <section className="participants" aria-labelledby="participants-heading">
      <h2 id="participants-heading">
        In the room <span className="count">{participants.length}</span>
      </h2>
      {participants.length === 0 ? (
        <p className="participants-empty">Nobody yet.</p>
      ) : (
        <ul>
          {participants.map((p) => {
            const speaking = activeSpeakers.includes(p.id);
            return (
              <li
                key={p.id}
                className={`participant${speaking ? ' participant--speaking' : ''}`}
                data-testid="participant"
                data-speaking={speaking}
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
                  {host && p.id !== selfId ? (
                    <span className="host-actions">
                      <button type="button" className="button button--small" data-testid="host-mute" disabled={p.muted || !p.hasMic} onClick={() => host.mute(p)}>
                        Mute<span className="visually-hidden"> {p.name}</span>
                      </button>
                      <button type="button" className="button button--small button--danger" data-testid="host-remove" onClick={() => host.remove(p)}>
                        Remove<span className="visually-hidden"> {p.name}</span>
                      </button>
                    </span>
                  ) : null}
                </span>
                <ParticipantAudioState participant={p} speaking={speaking} />
              </li>
            );
          })}
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
  return speaking ? (
    <span className="participant-state participant-state--speaking" title="Speaking">
      <span className="speaking-bars" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      <span className="visually-hidden">speaking</span>
    </span>
  ) : null;
}
