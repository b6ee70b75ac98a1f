import { SignalingError } from './errors.js';

const MAX_MEDIA_SECTIONS = 4;

/**
 * Checks an offer before it reaches the WebRTC stack: an SDP of well-formed lines, with audio
 * only, DTLS fingerprint and ICE credentials. werift answers almost anything, so this is where
 * a malformed offer gets its error.
 */
export function checkOfferSdp(sdp: string): void {
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  const fail = (why: string): never => {
    throw new SignalingError(`The offer is not a usable SDP: ${why}.`, 400);
  };
  if (lines[0] !== 'v=0') fail('it must start with "v=0"');
  const malformed = lines.find((l) => !/^[a-z]=/.test(l));
  if (malformed !== undefined) fail(`line "${malformed.slice(0, 40)}" is not of the form x=…`);
  const media = lines.filter((l) => l.startsWith('m='));
  if (media.length === 0) fail('it has no media section');
  if (media.length > MAX_MEDIA_SECTIONS) fail(`it has more than ${MAX_MEDIA_SECTIONS} media sections`);
  const notAudio = media.find((m) => !m.startsWith('m=audio '));
  if (notAudio) fail(`only audio is accepted, not "${notAudio.split(' ')[0]}"`);
  if (!lines.some((l) => l.startsWith('a=fingerprint:'))) fail('it has no DTLS fingerprint');
  if (!lines.some((l) => l.startsWith('a=ice-ufrag:')) || !lines.some((l) => l.startsWith('a=ice-pwd:'))) fail('it has no ICE credentials');
  if (!lines.some((l) => /^a=rtpmap:\d+ opus\/48000/i.test(l))) fail('it offers no Opus audio');
}
