import { useEffect } from 'react';
import { useRegisterSW } from 'virtual:pwa-register/react';

/** The "works offline now" note is good news, not a task: it goes away by itself. */
const OFFLINE_READY_MS = 8_000;

/**
 * Says when a new version of Parley has been deployed (its service worker is waiting), and when the
 * app has been stored for offline use. Reloading is the person's choice: never in the middle of a meeting.
 */
export function UpdatePrompt({ inRoom }: { inRoom: boolean }) {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    offlineReady: [offlineReady, setOfflineReady],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      // Look for a new version now and then, so a tab left open for a long meeting hears of it.
      if (registration) setInterval(() => void registration.update().catch(() => undefined), 30 * 60_000);
    },
  });
  useEffect(() => {
    if (!offlineReady) return;
    const timer = setTimeout(() => setOfflineReady(false), OFFLINE_READY_MS);
    return () => clearTimeout(timer);
  }, [offlineReady, setOfflineReady]);
  // In a room only an update is worth a banner over the captions.
  if (!needRefresh && (!offlineReady || inRoom)) return null;
  return (
    <div className="toast" role="status" data-testid={needRefresh ? 'update-prompt' : 'offline-ready'}>
      {needRefresh ? (
        <>
          <span>A new version of Parley is ready.{inRoom ? ' Reloading leaves this room; you can rejoin at once.' : ''}</span>
          <button type="button" className="button button--primary button--small" data-testid="update-reload" onClick={() => void updateServiceWorker(true)}>
            Reload
          </button>
          <button type="button" className="button button--ghost button--small" onClick={() => setNeedRefresh(false)}>
            Later
          </button>
        </>
      ) : (
        <>
          <span>Parley is installed on this device: it opens, and shows saved transcripts, even offline.</span>
          <button type="button" className="button button--ghost button--small" onClick={() => setOfflineReady(false)}>
            OK
          </button>
        </>
      )}
    </div>
  );
}
