/**
 * Resolves once the browser has gathered its ICE candidates, or after `capMs`, so the offer can
 * carry them all (the server does not take trickled candidates). A slow STUN/TURN server only
 * costs the candidates it did not produce in time, never the call.
 */
export function iceGatheringComplete(pc: RTCPeerConnection, capMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return nextIceGatheringEnd(pc, capMs);
}

/**
 * Resolves when the next ICE gathering has ended, or after `capMs`. Call it before the
 * setLocalDescription that starts the gathering (an ICE restart): right after that call the state
 * may still read "complete" from the previous gathering.
 */
export function nextIceGatheringEnd(pc: RTCPeerConnection, capMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, capMs);
    const onStateChange = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // Some browsers signal the end of gathering only with a null candidate.
    const onCandidate = (event: RTCPeerConnectionIceEvent) => {
      if (event.candidate === null) done();
    };
    pc.addEventListener('icegatheringstatechange', onStateChange);
    pc.addEventListener('icecandidate', onCandidate);
    function done(): void {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onStateChange);
      pc.removeEventListener('icecandidate', onCandidate);
      resolve();
    }
  });
}

/** The session's first a=ice-ufrag; a new one in an offer means the offer restarts ICE. */
export function iceUfrag(sdp: string | undefined): string | undefined {
  return sdp && /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}
