import { describe, expect, it } from 'vitest';
import { checkAnswerSdp, checkOfferSdp, withCrlfLineEndings } from './offerSdp.js';

const audioSection = (mid: number): string[] => [
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  `a=mid:${mid}`,
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 AB:CD',
  'a=setup:actpass',
  'a=rtpmap:111 opus/48000/2',
];
const sdp = (sections: number): string => [['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0'], ...Array.from({ length: sections }, (_, i) => audioSection(i))].flat().join('\r\n') + '\r\n';

describe('checkOfferSdp', () => {
  it('accepts an audio offer and refuses video', () => {
    expect(() => checkOfferSdp(sdp(1))).not.toThrow();
    expect(() => checkOfferSdp(sdp(1).replace('m=audio', 'm=video'))).toThrow(/only audio/);
  });
});

describe('checkAnswerSdp', () => {
  it('accepts an answer with one media section per offered one', () => {
    expect(() => checkAnswerSdp(sdp(3), sdp(3))).not.toThrow();
  });

  it.each([
    ['text that is no SDP', 'not an sdp at all', /must start with "v=0"/],
    ['an empty SDP', '', /must start with "v=0"/],
    ['a line that is not x=…', `${sdp(2)}hello\r\n`, /line "hello"/],
    ['fewer media sections than offered', sdp(1), /1 media sections for the offer's 2/],
    ['no fingerprint', sdp(2).replace(/a=fingerprint:.*\r\n/g, ''), /no DTLS fingerprint/],
    ['no ICE credentials', sdp(2).replace(/a=ice-pwd:.*\r\n/g, ''), /no ICE credentials/],
  ])('refuses %s', (_what, answer, message) => {
    expect(() => checkAnswerSdp(answer, sdp(2))).toThrow(message);
  });
});

describe('withCrlfLineEndings', () => {
  it('turns bare LF (and CR runs before LF) into CRLF and leaves CRLF alone', () => {
    expect(withCrlfLineEndings('v=0\ns=-\r\r\nt=0 0\r\n')).toBe('v=0\r\ns=-\r\nt=0 0\r\n');
    expect(withCrlfLineEndings(sdp(1))).toBe(sdp(1));
  });
});
