import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import type { JoinRequest, LanguageCode, MeReply, RoomSummary } from '@parley/protocol';
import { AccountBar } from './AccountBar';
import { api, fetchMe } from './auth';
import { rememberVisit } from './history/roomHistory';
import { Lobby, type LobbyValues } from './lobby/Lobby';
import { RoomCreator } from './lobby/RoomCreator';
import { browserLanguage, loadPrefs, savePrefs } from './prefs';
import { historyFromLocation, historyPath, inviteFromLocation, roomFromLocation, roomPath } from './roomUrl';
import { PageLoadBoundary, PageLoading } from './PageLoad';
import { UpdatePrompt } from './UpdatePrompt';
import { useOnline } from './useOnline';

// The room (mediasoup-client, socket.io: over 40 % of the app's script) and History load on first
// use, so the lobby opens sooner; the room's part is fetched in the background once the lobby shows.
const loadRoom = () => import('./room/Room');
const Room = lazy(() => loadRoom().then((m) => ({ default: m.Room })));
const History = lazy(() => import('./history/History').then((m) => ({ default: m.History })));

type Screen =
  | { kind: 'lobby'; error: string | null }
  | { kind: 'room'; request: JoinRequest; withMic: boolean; micDeviceId?: string }
  | { kind: 'history'; room: string | null };

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

function initialScreen(): Screen {
  const history = historyFromLocation(window.location);
  return history ? { kind: 'history', room: history.room } : { kind: 'lobby', error: null };
}

export function App() {
  const [lobbyValues, setLobbyValues] = useState(initialLobbyValues);
  const [screen, setScreen] = useState<Screen>(initialScreen);
  // undefined: not asked yet; null: the server could not be reached.
  const [me, setMe] = useState<MeReply | null | undefined>(undefined);
  const [host, setHost] = useState<{ locked: boolean } | undefined>(undefined);
  const [inviteNotice, setInviteNotice] = useState<{ text: string; error: boolean } | null>(null);
  const online = useOnline();
  const unreachable = !online || me === null;

  const navigate = useCallback((next: Screen, path: string) => {
    setScreen(next);
    if (window.location.pathname !== path) window.history.pushState(null, '', path);
  }, []);

  useEffect(() => {
    const onPop = () => {
      const history = historyFromLocation(window.location);
      setScreen((current) => (history ? { kind: 'history', room: history.room } : current.kind === 'room' ? current : { kind: 'lobby', error: null }));
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const chooseRoom = useCallback((room: string) => {
    setLobbyValues((values) => ({ ...values, room }));
    window.history.replaceState(null, '', roomPath(room));
  }, []);

  // Asked again whenever the browser comes back online, so "server unreachable" clears by itself.
  useEffect(() => {
    if (!online) return;
    void fetchMe().then((reply) => {
      setMe(reply);
      if (reply?.auth === 'oidc' && reply.user) {
        const user = reply.user;
        setLobbyValues((values) => (values.name ? values : { ...values, name: user.name.slice(0, 64) }));
      }
    });
  }, [online]);

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

  const join = useCallback(
    (request: JoinRequest, withMic: boolean, micDeviceId: string) => {
      savePrefs({ ...request, micDeviceId });
      setLobbyValues(request);
      setHost(undefined);
      setScreen({ kind: 'room', request, withMic, micDeviceId: micDeviceId || undefined });
      // Host controls are for the room's owner; the server checks again on every action.
      if (signedIn) {
        api<{ rooms: RoomSummary[] }>('/api/rooms', { csrfToken }).then(
          ({ rooms }) => {
            const mine = rooms.find((r) => r.room === request.room && r.role === 'owner');
            setHost(mine ? { locked: mine.locked } : undefined);
          },
          () => undefined,
        );
      }
    },
    [signedIn, csrfToken],
  );

  const onJoined = useCallback((room: string) => {
    window.history.replaceState(null, '', roomPath(room));
  }, []);
  const onReadsChanged = useCallback(
    (reads: LanguageCode) => {
      if (screen.kind !== 'room') return;
      rememberVisit(screen.request.room, reads);
      savePrefs({ reads });
    },
    [screen],
  );
  const onRejected = useCallback((error: string) => setScreen({ kind: 'lobby', error }), []);
  const leave = useCallback(() => setScreen({ kind: 'lobby', error: null }), []);
  const openHistory = useCallback((room: string | null) => navigate({ kind: 'history', room }, historyPath(room)), [navigate]);
  const backToLobby = useCallback(() => navigate({ kind: 'lobby', error: null }, lobbyValues.room ? roomPath(lobbyValues.room) : '/'), [navigate, lobbyValues.room]);

  useEffect(() => {
    if (screen.kind !== 'lobby') return;
    const timer = setTimeout(() => void loadRoom().catch(() => undefined), 1_000);
    return () => clearTimeout(timer);
  }, [screen.kind]);

  const title = screen.kind === 'room' ? `${screen.request.room} · Parley` : screen.kind === 'history' ? 'History · Parley' : 'Parley';
  useEffect(() => {
    document.title = title;
  }, [title]);

  let page;
  if (screen.kind === 'room') {
    page = (
      <Room
        request={screen.request}
        withMic={screen.withMic}
        micDeviceId={screen.micDeviceId}
        host={host}
        onJoined={onJoined}
        onRejected={onRejected}
        onLeave={leave}
        onReadsChanged={onReadsChanged}
      />
    );
  } else if (screen.kind === 'history') {
    page = <History me={me ?? null} offline={unreachable} room={screen.room} onOpenRoom={openHistory} onBack={backToLobby} />;
  } else {
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
    page = (
      <Lobby
        initial={lobbyValues}
        initialMicDeviceId={loadPrefs().micDeviceId ?? ''}
        serverError={screen.error}
        unreachable={unreachable}
        onJoin={join}
        account={account}
        canJoin={!oidc || signedIn}
        canReadEngines={!oidc || signedIn}
        onOpenHistory={() => openHistory(null)}
        myRooms={signedIn && !unreachable ? { csrfToken, onChoose: chooseRoom } : undefined}
        extra={signedIn ? <RoomCreator csrfToken={csrfToken} onCreated={chooseRoom} /> : null}
      />
    );
  }
  return (
    <>
      <PageLoadBoundary key={screen.kind}>
        <Suspense fallback={<PageLoading />}>{page}</Suspense>
      </PageLoadBoundary>
      <UpdatePrompt inRoom={screen.kind === 'room'} />
    </>
  );
}
