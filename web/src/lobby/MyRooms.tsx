import { useEffect, useState } from 'react';
import type { RoomSummary } from '@parley/protocol';
import { api } from '../auth';
import { LockIcon } from '../Icons';

/** The rooms I own or was invited to (sign-in on), to pick one for the form. */
export function MyRooms({ csrfToken, onChoose }: { csrfToken: string | null; onChoose: (room: string) => void }) {
  const [rooms, setRooms] = useState<RoomSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ rooms: RoomSummary[] }>('/api/rooms', { csrfToken }).then(
      (reply) => setRooms(reply.rooms),
      (e: Error) => setError(e.message),
    );
  }, [csrfToken]);
  if (error) return <p className="notice notice--error">{error}</p>;
  if (!rooms || rooms.length === 0) return null;
  return (
    <section className="my-rooms" aria-labelledby="my-rooms-title">
      <h2 id="my-rooms-title" className="section-title">
        My rooms
      </h2>
      <ul className="room-list" data-testid="my-rooms">
        {rooms.map((r) => (
          <li key={r.room}>
            <button type="button" className="room-link" onClick={() => onChoose(r.room)}>
              <span className="room-link-name">
                {r.room} {r.locked ? <LockIcon /> : null}
              </span>
              <span className="field-hint">
                {r.role === 'owner' ? 'yours' : 'member'} · {r.visibility}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
