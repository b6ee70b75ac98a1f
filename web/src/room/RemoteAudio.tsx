import { useEffect, useRef } from 'react';

/** Plays audio the server sends back (other speakers); it has nothing to show. */
export function RemoteAudio({ stream, peerId }: { stream: MediaStream; peerId: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = stream;
    return () => {
      audio.srcObject = null;
    };
  }, [stream]);
  return <audio ref={ref} autoPlay data-testid="remote-audio" data-participant={peerId} />;
}
