import { useCallback, useEffect, useState } from 'react';
import type { JoinRequest } from '@parley/protocol';
import { Lobby, type LobbyValues } from './Lobby';
import { Room } from './Room';
import { browserLanguage, loadPrefs, savePrefs } from './prefs';
import { roomFromLocation, roomPath } from './roomUrl';

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
  return <Lobby initial={lobbyValues} serverError={screen.error} onJoin={join} />;
}
