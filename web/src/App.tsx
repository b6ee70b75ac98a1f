import { useCallback, useEffect, useState } from 'react';
import type { JoinRequest, MeReply } from '@parley/protocol';
import { AccountBar } from './AccountBar';
import { api, fetchMe } from './auth';
import { Lobby, type LobbyValues } from './Lobby';
import { RoomCreator } from './RoomCreator';
import { Room } from './Room';
import { browserLanguage, loadPrefs, savePrefs } from './prefs';
import { inviteFromLocation, roomFromLocation, roomPath } from './roomUrl';

type Screen =
  | { kind: 'lobby'; error: string | null }
  | { kind: 'room'; request: JoinRequest; withMic: boolean };

function initialLobbyValues(): LobbyValues {
  const prefs = loadPrefs();
  const language = browserLanguage();
  return {
    name: prefs.name ?? '',
    // A shared link decides the room; the last room is only a convenience for returning visitors.
    room: roomFromLocation(window.location) ?? prefs.room ?? '',
    speaks: prefs.speaks ?? language,
    reads: prefs.reads ?? language,
  };
}

export function App() {
  const [lobbyValues, setLobbyValues] = useState(initialLobbyValues);
  const [screen, setScreen] = useState<Screen>({ kind: 'lobby', error: null });
  const [me, setMe] = useState<MeReply | null>(null);
  const [inviteNotice, setInviteNotice] = useState<{ text: string; error: boolean } | null>(null);

  const chooseRoom = useCallback((room: string) => {
    setLobbyValues((values) => ({ ...values, room }));
    window.history.replaceState(null, '', roomPath(room));
  }, []);

  useEffect(() => {
    void fetchMe().then((reply) => {
      setMe(reply);
      if (reply.auth === 'oidc' && reply.user) {
        const user = reply.user;
        setLobbyValues((values) => (values.name ? values : { ...values, name: user.name.slice(0, 64) }));
      }
    });
  }, []);

  // An invite link (/invite/<token>): once signed in, accepting it makes me a member of its room.
  const signedIn = me?.auth === 'oidc' && me.user !== null;
  const csrfToken = me?.auth === 'oidc' ? me.csrfToken : null;
  useEffect(() => {
    const token = inviteFromLocation(window.location);
    if (!token || !signedIn) return;
    api<{ room: string }>(`/api/invites/${encodeURIComponent(token)}/accept`, { method: 'POST', csrfToken }).then(
      ({ room }) => {
        chooseRoom(room);
        setInviteNotice({ text: `You are invited to “${room}”. Choose your languages and join.`, error: false });
      },
      (error: Error) => setInviteNotice({ text: error.message, error: true }),
    );
  }, [signedIn, csrfToken, chooseRoom]);

  const join = useCallback((request: JoinRequest, withMic: boolean) => {
    savePrefs(request);
    setLobbyValues(request);
    setScreen({ kind: 'room', request, withMic });
  }, []);

  const onJoined = useCallback((room: string) => {
    window.history.replaceState(null, '', roomPath(room));
  }, []);

  const onRejected = useCallback((error: string) => setScreen({ kind: 'lobby', error }), []);
  const leave = useCallback(() => setScreen({ kind: 'lobby', error: null }), []);

  const roomName = screen.kind === 'room' ? screen.request.room : null;
  useEffect(() => {
    document.title = roomName ? `${roomName} · Parley` : 'Parley';
  }, [roomName]);

  if (screen.kind === 'room') {
    return (
      <Room
        request={screen.request}
        withMic={screen.withMic}
        onJoined={onJoined}
        onRejected={onRejected}
        onLeave={leave}
      />
    );
  }
  const oidc = me?.auth === 'oidc';
  const account = oidc ? (
    <>
      <AccountBar user={me.user} returnTo={window.location.pathname} />
      {inviteNotice ? (
        <p className={`notice ${inviteNotice.error ? 'notice--error' : 'notice--info'}`} role={inviteNotice.error ? 'alert' : 'status'} data-testid="invite-notice">
          {inviteNotice.text}
        </p>
      ) : null}
    </>
  ) : null;
  return (
    <Lobby
      initial={lobbyValues}
      serverError={screen.error}
      onJoin={join}
      account={account}
      canJoin={!oidc || signedIn}
      extra={signedIn ? <RoomCreator csrfToken={csrfToken} onCreated={chooseRoom} /> : null}
    />
  );
}
