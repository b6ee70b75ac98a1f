import { SignalingError } from './errors.js';

const MAX_MEDIA_SECTIONS = 4;

/**
 * SDP lines end in CRLF, but parsers should take a bare LF too (RFC 4566 §5). werift does not:
 * given LF-only text it never starts ICE gathering, and the answer goes out without candidates.
 */
export function withCrlfLineEndings(sdp: string): string {
  return sdp.replace(/\r*\n/g, '\r\n');
}

/** The non-empty lines of an SDP, after checking it starts with v=0 and every line is `x=…`. */
function sdpLines(sdp: string, fail: (why: string) => never): string[] {
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'v=0') fail('it must start with "v=0"');
  const malformed = lines.find((l) => !/^[a-z]=/.test(l));
  if (malformed !== undefined) fail(`line "${malformed.slice(0, 40)}" is not of the form x=…`);
  return lines;
}

function checkTransport(lines: string[], fail: (why: string) => never): void {
  if (!lines.some((l) => l.startsWith('a=fingerprint:'))) fail('it has no DTLS fingerprint');
  if (!lines.some((l) => l.startsWith('a=ice-ufrag:')) || !lines.some((l) => l.startsWith('a=ice-pwd:'))) fail('it has no ICE credentials');
}

/**
 * Checks an offer before it reaches the WebRTC stack: an SDP of well-formed lines, with audio
 * only, DTLS fingerprint and ICE credentials. werift answers almost anything, so this is where
 * a malformed offer gets its error.
 */
export function checkOfferSdp(sdp: string): void {
  const fail = (why: string): never => {
    throw new SignalingError(`The offer is not a usable SDP: ${why}.`, 400);
  };
  const lines = sdpLines(sdp, fail);
  const media = lines.filter((l) => l.startsWith('m='));
  if (media.length === 0) fail('it has no media section');
  if (media.length > MAX_MEDIA_SECTIONS) fail(`it has more than ${MAX_MEDIA_SECTIONS} media sections`);
  const notAudio = media.find((m) => !m.startsWith('m=audio '));
  if (notAudio) fail(`only audio is accepted, not "${notAudio.split(' ')[0]}"`);
  checkTransport(lines, fail);
  if (!lines.some((l) => /^a=rtpmap:\d+ opus\/48000/i.test(l))) fail('it offers no Opus audio');
}

/**
 * Checks the browser's answer to a server offer. werift takes any text as an answer (even "hello")
 * and reports success, which would leave the connection silently broken.
 */
export function checkAnswerSdp(answerSdp: string, offerSdp: string): void {
  const fail = (why: string): never => {
    throw new SignalingError(`The answer is not a usable SDP: ${why}.`, 400);
  };
  const lines = sdpLines(answerSdp, fail);
  const offered = offerSdp.split(/\r?\n/).filter((l) => l.startsWith('m=')).length;
  const answered = lines.filter((l) => l.startsWith('m=')).length;
  if (answered !== offered) fail(`it has ${answered} media sections for the offer's ${offered}`);
  checkTransport(lines, fail);
}
