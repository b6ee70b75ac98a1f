import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSfuConfig } from './config.js';
import { Peer } from './Peer.js';
import { disableImplicitStun, keepInactiveSectionsBundled, rtcSettingsFromConfig } from './RtcSettings.js';

interface WrtcPc {
  addTransceiver(kind: string, init: { direction: string }): unknown;
  createOffer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  localDescription: { sdp: string } | null;
  close(): void;
}
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: new (c: object) => WrtcPc };

interface Candidate {
  protocol: string;
  address: string;
  port: number;
  tcpType: string | undefined;
}

function candidates(sdp: string): Candidate[] {
  return sdp
    .split('\r\n')
    .filter((l) => l.startsWith('a=candidate:'))
    .map((l) => {
      const f = l.split(' ');
      const tcpType = f.indexOf('tcptype');
      return { protocol: f[2]!.toLowerCase(), address: f[4]!, port: Number(f[5]), tcpType: tcpType > 0 ? f[tcpType + 1] : undefined };
    });
}

describe('network settings take effect in werift', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  async function answerFor(env: Record<string, string>): Promise<string> {
    const rtc = rtcSettingsFromConfig(loadSfuConfig(env));
    const peer = new Peer({ id: 'p', name: 'P', speaks: 'en', reads: 'en', rtc });
    const browser = new wrtc.RTCPeerConnection({});
    cleanup.push(() => browser.close(), () => peer.close());
    browser.addTransceiver('audio', { direction: 'recvonly' });
    await browser.setLocalDescription(await browser.createOffer());
    return peer.answer(browser.localDescription!.sdp);
  }

  it('binds every candidate inside RTC_MIN_PORT..RTC_MAX_PORT and offers RTC_ANNOUNCED_IP', async () => {
    const sdp = await answerFor({ RTC_LISTEN_IP: '127.0.0.1', RTC_ANNOUNCED_IP: '203.0.113.7', RTC_MIN_PORT: '41000', RTC_MAX_PORT: '41050' });
    const found = candidates(sdp);
    // An active TCP candidate has no port of its own (9, the discard port, by convention).
    const listening = found.filter((c) => c.tcpType !== 'active');
    expect(listening.length).toBeGreaterThan(0);
    for (const c of listening) {
      expect(c.port).toBeGreaterThanOrEqual(41000);
      expect(c.port).toBeLessThanOrEqual(41050);
    }
    expect(found.some((c) => c.protocol === 'udp' && c.address === '203.0.113.7')).toBe(true);
    expect(found.every((c) => c.address === '127.0.0.1' || c.address === '203.0.113.7')).toBe(true);
  });

  it('offers a passive ICE-TCP candidate unless RTC_ICE_TCP is false', async () => {
    const withTcp = candidates(await answerFor({ RTC_LISTEN_IP: '127.0.0.1' }));
    expect(withTcp.some((c) => c.protocol === 'tcp' && c.tcpType === 'passive')).toBe(true);
    const withoutTcp = candidates(await answerFor({ RTC_LISTEN_IP: '127.0.0.1', RTC_ICE_TCP: 'false' }));
    expect(withoutTcp.some((c) => c.protocol === 'tcp')).toBe(false);
    expect(withoutTcp.some((c) => c.protocol === 'udp')).toBe(true);
  });

  it('answers a receive-only offer with an inactive but bundled section (port 9, not 0)', async () => {
    const sdp = await answerFor({ RTC_LISTEN_IP: '127.0.0.1' });
    expect(sdp).toMatch(/\r\nm=audio 9 /);
    expect(sdp).toMatch(/\r\na=inactive\r\n/);
  });

  it('leaves sections that are not inactive alone', () => {
    const sdp = 'v=0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=inactive\r\n';
    expect(keepInactiveSectionsBundled(sdp)).toBe('v=0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=inactive\r\n');
  });
});

describe('disableImplicitStun', () => {
  it('stops werift from asking a third-party STUN server for candidates', async () => {
    const { RTCPeerConnection } = await import('werift');
    const browser = new wrtc.RTCPeerConnection({ iceServers: [] });
    browser.addTransceiver('audio', { direction: 'sendrecv' });
    const offer = await browser.createOffer();
    const pc = new RTCPeerConnection(rtcSettingsFromConfig(loadSfuConfig({})).peerConfig);
    try {
      await pc.setRemoteDescription(offer as { type: 'offer'; sdp: string });
      const stunServers = () => pc.iceTransports.map((t) => (t.connection as unknown as { stunServer?: unknown }).stunServer);
      expect(stunServers()[0]).toEqual(['stun.l.google.com', 19302]);
      disableImplicitStun(pc);
      expect(stunServers().length).toBeGreaterThan(0);
      expect(stunServers().every((s) => s === undefined)).toBe(true);
    } finally {
      browser.close();
      await pc.close();
    }
  });
});
