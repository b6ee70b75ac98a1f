import { useCallback, useEffect, useState } from 'react';
import type { LanguageCode, MeReply, RoomSummary, TranscriptSegment } from '@parley/protocol';
import { api } from '../auth';
import { BackIcon, HistoryIcon } from '../Icons';
import { forgetVisit, loadVisitedRooms } from './roomHistory';
import { deleteSavedTranscript, listSavedTranscripts, loadSavedTranscript, saveTranscript } from './savedTranscripts';
import { TranscriptView } from './TranscriptView';
import { deleteServerTranscript, fetchWholeTranscript } from './transcriptApi';

interface Props {
  me: MeReply | null;
  /** The server could not be reached: only what is saved on this device is shown. */
  offline: boolean;
  room: string | null;
  onOpenRoom: (room: string | null) => void;
  onBack: () => void;
}

interface RoomEntry {
  room: string;
  /** When I was last in it (this device), or when it was created (my rooms on the server). */
  atMs: number;
  reads?: LanguageCode;
  owner: boolean;
  saved: boolean;
}

type Loaded =
  | { kind: 'loading' }
  | { kind: 'shown'; segments: TranscriptSegment[]; fromDevice: boolean; savedAtMs?: number; notice?: string }
  | { kind: 'failed'; message: string };

/** The rooms I was in and their kept transcripts, from the server or, offline, from this device. */
export function History({ me, offline, room, onOpenRoom, onBack }: Props) {
  const [rooms, setRooms] = useState<RoomEntry[]>([]);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [message, setMessage] = useState<string | null>(null);
  const signedIn = me?.auth === 'oidc' && me.user !== null;
  const csrfToken = me?.auth === 'oidc' ? me.csrfToken : null;

  const refreshRooms = useCallback(async () => {
    const byRoom = new Map<string, RoomEntry>();
    for (const visit of loadVisitedRooms()) byRoom.set(visit.room, { room: visit.room, atMs: visit.lastJoinedAtMs, reads: visit.reads, owner: false, saved: false });
    const saved = await listSavedTranscripts().catch(() => []);
    for (const copy of saved) {
      const entry = byRoom.get(copy.room) ?? { room: copy.room, atMs: copy.savedAtMs, owner: false, saved: true };
      byRoom.set(copy.room, { ...entry, saved: true });
    }
    if (signedIn && !offline) {
      const mine = await api<{ rooms: RoomSummary[] }>('/api/rooms', { csrfToken }).catch(() => ({ rooms: [] as RoomSummary[] }));
      for (const r of mine.rooms) {
        const entry = byRoom.get(r.room) ?? { room: r.room, atMs: r.createdAtMs, owner: false, saved: false };
        byRoom.set(r.room, { ...entry, owner: r.role === 'owner' });
      }
    }
    setRooms([...byRoom.values()].sort((a, b) => b.atMs - a.atMs));
  }, [signedIn, offline, csrfToken]);

  useEffect(() => {
    void refreshRooms();
  }, [refreshRooms]);

  useEffect(() => {
    if (!room) return;
    let cancelled = false;
    setLoaded({ kind: 'loading' });
    setMessage(null);
    void (async () => {
      const saved = await loadSavedTranscript(room).catch(() => undefined);
      if (offline) {
        if (cancelled) return;
        setLoaded(saved ? { kind: 'shown', segments: saved.segments, fromDevice: true, savedAtMs: saved.savedAtMs } : { kind: 'failed', message: 'You are offline, and this transcript was not saved on this device.' });
        return;
      }
      try {
        const segments = await fetchWholeTranscript(room);
        if (cancelled) return;
        setLoaded({ kind: 'shown', segments, fromDevice: false });
        // Kept on the device so it can be read offline; a full disk only means no offline copy.
        if (segments.length > 0) await saveTranscript({ room, savedAtMs: Date.now(), segments }).then(refreshRooms, () => undefined);
      } catch (error) {
        if (cancelled) return;
        const reason = error instanceof TypeError ? 'The Parley server cannot be reached.' : (error as Error).message;
        setLoaded(
          saved
            ? { kind: 'shown', segments: saved.segments, fromDevice: true, savedAtMs: saved.savedAtMs, notice: `${reason} Showing the copy saved on this device.` }
            : { kind: 'failed', message: reason },
        );
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [room, offline, refreshRooms]);

  const entry = rooms.find((r) => r.room === room);

  async function removeFromDevice(name: string) {
    await deleteSavedTranscript(name).catch(() => undefined);
    forgetVisit(name);
    setMessage(`“${name}” was removed from this device.`);
    await refreshRooms();
    if (room === name) onOpenRoom(null);
  }

  async function deleteFromServer(name: string) {
    if (!window.confirm(`Delete the transcript of “${name}” for everyone? This cannot be undone.`)) return;
    try {
      const deleted = await deleteServerTranscript(name, csrfToken);
      await deleteSavedTranscript(name).catch(() => undefined);
      setMessage(`Deleted ${deleted} ${deleted === 1 ? 'phrase' : 'phrases'} of “${name}” from the server.`);
      setLoaded({ kind: 'shown', segments: [], fromDevice: false });
      await refreshRooms();
    } catch (error) {
      setMessage((error as Error).message);
    }
  }

  return (
    <main className="history" data-testid="history">
      <header className="history-bar">
        <button type="button" className="button button--ghost" data-testid="history-back" onClick={room ? () => onOpenRoom(null) : onBack}>
          <BackIcon /> {room ? 'All rooms' : 'Lobby'}
        </button>
        <h1>
          <HistoryIcon /> History
        </h1>
      </header>
      {offline ? (
        <p className="notice notice--info" role="status" data-testid="offline-notice">
          You are offline. Transcripts saved on this device are shown; the rest come back when the connection does.
        </p>
      ) : null}
      {message ? (
        <p className="notice notice--info" role="status">
          {message}
        </p>
      ) : null}

      {room ? (
        <>
          {loaded.kind === 'loading' ? <p className="field-hint">Loading the transcript…</p> : null}
          {loaded.kind === 'failed' ? (
            <p className="notice notice--error" role="alert" data-testid="transcript-error">
              {loaded.message}
            </p>
          ) : null}
          {loaded.kind === 'shown' ? (
            <>
              {loaded.notice ? (
                <p className="notice notice--warn" role="status">
                  {loaded.notice}
                </p>
              ) : null}
              <TranscriptView room={room} segments={loaded.segments} offline={loaded.fromDevice} savedAtMs={loaded.savedAtMs} preferredLang={entry?.reads} />
            </>
          ) : null}
          <div className="history-danger">
            {entry?.saved || entry?.reads ? (
              <button type="button" className="button button--ghost" data-testid="remove-from-device" onClick={() => void removeFromDevice(room)}>
                Remove from this device
              </button>
            ) : null}
            {entry?.owner && !offline ? (
              <button type="button" className="button button--danger" data-testid="delete-transcript" onClick={() => void deleteFromServer(room)}>
                Delete the transcript for everyone
              </button>
            ) : null}
          </div>
        </>
      ) : (
        <section aria-labelledby="history-rooms">
          <h2 id="history-rooms" className="section-title">
            Rooms
          </h2>
          {rooms.length === 0 ? (
            <p className="captions-empty">Rooms you join appear here, with their transcripts.</p>
          ) : (
            <ul className="room-list" data-testid="history-rooms">
              {rooms.map((r) => (
                <li key={r.room}>
                  <button type="button" className="room-link" data-testid="history-room" onClick={() => onOpenRoom(r.room)}>
                    <span className="room-link-name">{r.room}</span>
                    <span className="field-hint">
                      {new Date(r.atMs).toLocaleDateString()}
                      {r.owner ? ' · yours' : ''}
                      {r.saved ? ' · saved on this device' : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p className="field-hint">
            {me?.auth === 'oidc'
              ? 'Transcripts of rooms you were in are kept on the server for members. Ones you open are also saved on this device for reading offline.'
              : 'Sign-in is off on this server: anyone who knows a room’s name can read its transcript. Ones you open are also saved on this device for reading offline.'}
          </p>
        </section>
      )}
    </main>
  );
}
