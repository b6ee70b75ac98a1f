/**
 * Resolves once the browser has gathered its ICE candidates, or after `capMs`, so the offer can
 * carry them all (the server does not take trickled candidates). A slow STUN/TURN server only
 * costs the candidates it did not produce in time, never the call.
 */
export function iceGatheringComplete(pc: RTCPeerConnection, capMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
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
