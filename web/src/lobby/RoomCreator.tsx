import { useState, type FormEvent } from 'react';
import { LIMITS, createRoomRequestSchema, type InviteReply } from '@parley/protocol';
import { api } from '../auth';
import { randomRoomName } from './randomRoom';

interface Props {
  csrfToken: string | null;
  /** The room was created: the lobby switches to it. */
  onCreated: (room: string) => void;
}

/** Create a room I own (public or private) and get an invite link to share. */
export function RoomCreator({ csrfToken, onCreated }: Props) {
  const [name, setName] = useState(randomRoomName);
  const [isPrivate, setIsPrivate] = useState(true);
  const [invite, setInvite] = useState<InviteReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const request = createRoomRequestSchema.safeParse({ room: name.trim(), visibility: isPrivate ? 'private' : 'public' });
    if (!request.success) {
      setError(request.error.issues[0]?.message ?? 'Check the room name.');
      return;
    }
    try {
      await api('/api/rooms', { method: 'POST', json: request.data, csrfToken });
      setInvite(await api<InviteReply>(`/api/rooms/${encodeURIComponent(request.data.room)}/invites`, { method: 'POST', csrfToken }));
      onCreated(request.data.room);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function copy() {
    if (!invite) return;
    try {
      await navigator.clipboard.writeText(invite.url);
      setCopied(true);
    } catch {
      window.prompt('Copy this invite link:', invite.url);
    }
  }

  return (
    <form className="room-creator" onSubmit={(e) => void create(e)} aria-labelledby="room-creator-title">
      <h2 id="room-creator-title">Create a room</h2>
      <div className="field">
        <label htmlFor="new-room-name">Room name</label>
        <input
          id="new-room-name"
          data-testid="new-room-name"
          type="text"
          maxLength={LIMITS.roomIdChars}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <label className="checkbox">
        <input type="checkbox" data-testid="new-room-private" checked={isPrivate} onChange={(e) => setIsPrivate(e.target.checked)} />
        Private: only people I invite can join
      </label>
      <button type="submit" className="button button--secondary" data-testid="create-room">
        Create room
      </button>
      {error ? (
        <p className="notice notice--error" role="alert">
          {error}
        </p>
      ) : null}
      {invite ? (
        <div className="field">
          <label htmlFor="invite-link">Invite link for {invite.room}</label>
          <div className="input-row">
            <input id="invite-link" data-testid="invite-link" type="text" readOnly value={invite.url} onFocus={(e) => e.target.select()} />
            <button type="button" className="button button--ghost" data-testid="copy-invite" onClick={() => void copy()}>
              <span aria-live="polite">{copied ? 'Copied' : 'Copy invite link'}</span>
            </button>
          </div>
        </div>
      ) : null}
    </form>
  );
}
