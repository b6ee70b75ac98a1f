import { useEffect, useRef } from 'react';

/** Plays audio the server sends back (other speakers); it has nothing to show. */
export function RemoteAudio({ stream }: { stream: MediaStream }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = stream;
    return () => {
      audio.srcObject = null;
    };
  }, [stream]);
  // The stream id is the participant's id (the server puts it in the SDP as msid).
  return <audio ref={ref} autoPlay data-testid="remote-audio" data-participant={stream.id} />;
}
