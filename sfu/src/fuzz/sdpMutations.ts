import type { SeededRandom } from './SeededRandom.js';

export interface SdpMutant {
  /** What was done to the real offer, for the report. */
  kind: string;
  sdp: string;
}

// Candidates and addresses stay on loopback: an accepted mutant makes werift send STUN to them.
const candidateLine = (rng: SeededRandom, i: number): string =>
  rng.pick([
    `a=candidate:${i} 1 udp ${rng.int(1, 2 ** 31 - 1)} 127.0.0.1 ${rng.int(1_024, 65_535)} typ host`,
    `a=candidate:${i} 1 udp 4294967296 127.0.0.1 0 typ host`,
    `a=candidate:${i} 1 tcp 1 127.0.0.1 9 typ host tcptype active`,
    `a=candidate:${i} 1 udp 1 ::1 ${rng.int(1, 65_535)} typ host`,
    `a=candidate:${i} 1 udp 1 127.0.0.1 70000 typ srflx raddr 127.0.0.1 rport -1`,
    `a=candidate:${i} 1 udp 1 127.0.0.1 5000 typ relay`,
    `a=candidate:${i} 99 xdp -1 127.0.0.1 -5 typ weird generation x`,
    `a=candidate:`,
    `a=candidate:${'x'.repeat(rng.int(1, 300))}`,
  ]);

/** One way of breaking (or bending) a line-based SDP; each returns the new lines. */
const MUTATIONS: Record<string, (rng: SeededRandom, lines: string[]) => string[]> = {
  dropLines: (rng, lines) => {
    const out = [...lines];
    for (let n = rng.int(1, 3); n > 0 && out.length > 1; n--) out.splice(rng.int(0, out.length - 1), 1);
    return out;
  },
  duplicateLine: (rng, lines) => {
    const at = rng.int(0, lines.length - 1);
    return [...lines.slice(0, at), ...new Array<string>(rng.int(1, 50)).fill(lines[at]!), ...lines.slice(at)];
  },
  truncate: (rng, lines) => lines.join('\r\n').slice(0, rng.int(0, lines.join('\r\n').length)).split('\r\n'),
  randomBytes: (rng, lines) => {
    let text = lines.join('\r\n');
    for (let n = rng.int(1, 20); n > 0; n--) {
      const at = rng.int(0, text.length);
      const junk = rng.chance(0.3) ? String.fromCharCode(rng.pick([0, 0x0d, 0x0a, 0x7f, 0xff, 0xfeff])) : rng.string(3);
      text = text.slice(0, at) + junk + text.slice(at + (rng.chance(0.5) ? 1 : 0));
    }
    return text.split('\r\n');
  },
  hugeMediaLine: (rng, lines) =>
    lines.map((l) => {
      if (!l.startsWith('m=')) return l;
      return rng.pick([
        `m=audio 9 UDP/TLS/RTP/SAVPF ${Array.from({ length: rng.int(500, 3_000) }, (_, i) => i % 128).join(' ')}`,
        `m=audio ${rng.pick(['-1', '99999999999', 'abc', '', '0/65535'])} UDP/TLS/RTP/SAVPF 111`,
        `m=audio 9 ${rng.pick(['RTP/AVP', 'TCP/DTLS/SCTP', 'UDP/TLS/RTP/SAVPF/EXTRA', ''])} 111`,
        `m=audio 9 UDP/TLS/RTP/SAVPF ${'1'.repeat(rng.int(20, 5_000))}`,
        'm=audio',
      ]);
    }),
  badFingerprint: (rng, lines) =>
    lines.map((l) =>
      l.startsWith('a=fingerprint:')
        ? `a=fingerprint:${rng.pick(['sha-256 ZZ:ZZ:ZZ', 'md5 00', '', 'sha-256', 'sha-999 AA:BB', `sha-256 ${'AB:'.repeat(rng.int(40, 2_000))}AB`, 'sha-256 ::::::', 'SHA-1 \u0000'])}`
        : l,
    ),
  manyCandidates: (rng, lines) => {
    // Hundreds fit under the SDP limit; thousands are refused by size before any parsing.
    const count = rng.pick([10, 100, 180, 2_000, 5_000]);
    return [...lines, ...Array.from({ length: count }, (_, i) => candidateLine(rng, i))];
  },
  junkCandidates: (rng, lines) => [...lines, ...Array.from({ length: rng.int(1, 20) }, (_, i) => candidateLine(rng, i))],
  manyMediaSections: (rng, lines) => {
    const start = lines.findIndex((l) => l.startsWith('m='));
    if (start < 0) return lines;
    const section = lines.slice(start);
    const copies = Array.from({ length: rng.int(1, 6) }, (_, k) => section.map((l) => (l.startsWith('a=mid:') ? `a=mid:${k + 1}` : l)));
    return [...lines, ...copies.flat()];
  },
  weirdCodec: (rng, lines) =>
    lines.map((l) =>
      /^a=rtpmap:\d+ opus\//i.test(l)
        ? rng.pick([`${l.split(' ')[0]} opus/0/2`, `${l.split(' ')[0]} opus/48000/0`, `${l.split(' ')[0]} opus/48000/999999`, `${l.split(' ')[0]} opus/4294967296`, `${l.split(' ')[0]} pcmu/8000`, 'a=rtpmap:999999 opus/48000/2'])
        : l,
    ),
  badExtmap: (rng, lines) => [...lines, `a=extmap:${rng.pick(['0', '15', '255', '-1', '99999999999', 'x'])} ${rng.pick(['urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'urn:x', ''])}`],
  badBundle: (rng, lines) =>
    lines.map((l) => (l.startsWith('a=group:BUNDLE') ? rng.pick(['a=group:BUNDLE', 'a=group:BUNDLE 0 1 2 3 4 5', 'a=group:BUNDLE x', 'a=group:LS 0']) : l.startsWith('a=mid:') ? rng.pick(['a=mid:', 'a=mid:0', `a=mid:${'m'.repeat(300)}`]) : l)),
  badSetup: (rng, lines) => lines.map((l) => (l.startsWith('a=setup:') ? `a=setup:${rng.pick(['holdconn', 'active', 'passive', '', 'junk'])}` : l)),
  badIceCredentials: (rng, lines) =>
    lines.map((l) =>
      l.startsWith('a=ice-ufrag:') ? `a=ice-ufrag:${rng.pick(['', 'u'.repeat(rng.int(300, 6_000)), ' ', ':::'])}` : l.startsWith('a=ice-pwd:') ? `a=ice-pwd:${rng.pick(['', 'x', 'p'.repeat(2_000)])}` : l,
    ),
  hugeFmtp: (rng, lines) => [...lines, `a=fmtp:111 ${'k=v;'.repeat(rng.int(10, 3_000))}`],
  badSsrc: (rng, lines) => [...lines, rng.pick(['a=ssrc:4294967296 cname:x', 'a=ssrc:-1 cname:y', 'a=ssrc-group:FID 1 2 3', 'a=ssrc:1', `a=ssrc:1 msid:${'s'.repeat(500)}`])],
  conflictingDirections: (rng, lines) => [...lines, ...rng.pick([['a=inactive'], ['a=recvonly', 'a=sendonly'], ['a=sendrecv', 'a=inactive', 'a=recvonly']])],
  lineEndings: (rng, lines) => lines.join(rng.pick(['\n', '\r', '\r\r\n', '\n\r'])).split('\r\n'),
  versionLine: (rng, lines) => [rng.pick(['v=1', '\ufeffv=0', 'v=', 'V=0', '']), ...lines.slice(1)],
  foreignLines: (rng, lines) => {
    const out = [...lines];
    out.splice(rng.int(1, out.length), 0, rng.pick(['hello world', 'A=b', '=x', 'x=', 'a', '<script>alert(1)</script>', 'm=video 9 UDP/TLS/RTP/SAVPF 96']));
    return out;
  },
  badConnection: (rng, lines) => lines.map((l) => (l.startsWith('c=') ? rng.pick(['c=IN IP4 999.999.999.999', 'c=IN IP6 ::1', 'c=IN IP4 ', 'c=', 'c=IN IP4 127.0.0.1/300']) : l)),
  badRtcp: (rng, lines) => [...lines.filter((l) => !(rng.chance(0.5) && l === 'a=rtcp-mux')), rng.pick(['a=rtcp:0', 'a=rtcp:99999', 'a=rtcp-fb:* junk', 'a=rtcp-fb:111'])],
  badOrigin: (rng, lines) => lines.map((l) => (l.startsWith('o=') ? rng.pick(['o=', 'o=- 99999999999999999999999999 2 IN IP4 127.0.0.1', 'o=- x y z', `o=${'-'.repeat(500)}`]) : l)),
  badPtime: (rng, lines) => [...lines, rng.pick(['a=ptime:0', 'a=maxptime:-5', 'a=ptime:99999999', 'a=ptime:x'])],
  dataChannelBits: (rng, lines) => [...lines, rng.pick(['a=sctp-port:5000', 'a=sctpmap:5000 webrtc-datachannel 1024', 'a=max-message-size:-1'])],
};

export const SDP_MUTATION_KINDS = Object.keys(MUTATIONS);

/** A real offer with one to three mutations applied (mostly one, so each kind is seen on its own). */
export function mutateSdp(rng: SeededRandom, realSdp: string): SdpMutant {
  // Without the final CRLF, appended lines land inside the media section instead of after a blank line.
  let lines = realSdp.replace(/\r\n$/, '').split('\r\n');
  const kinds: string[] = [];
  for (let n = rng.chance(0.8) ? 1 : rng.int(2, 3); n > 0; n--) {
    const kind = rng.pick(SDP_MUTATION_KINDS);
    kinds.push(kind);
    lines = MUTATIONS[kind]!(rng, lines);
  }
  return { kind: kinds.join('+'), sdp: `${lines.join('\r\n')}\r\n` };
}
