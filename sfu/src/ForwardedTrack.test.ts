import { describe, expect, it } from 'vitest';
import { RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { ForwardedTrack } from './ForwardedTrack.js';

interface Sent {
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  ssrc: number;
  payloadType: number;
  extensions: { id: number; payload: Buffer }[];
}

/** A transceiver whose sender looks like werift's to the fast path and records what is sent. */
function fakeTransceiver(levelExtensionId = 0) {
  const sent: Sent[] = [];
  const sender = {
    ssrc: 1234,
    codec: { payloadType: 109 },
    dtlsTransport: {
      state: 'connected',
      sendRtp: async (_payload: Buffer, h: RtpHeader) => {
        sent.push({ sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, marker: h.marker, ssrc: h.ssrc, payloadType: h.payloadType, extensions: [...h.extensions] });
        return 0;
      },
    },
    ntpTimestamp: 0n,
    rtpTimestamp: 0,
    octetCount: 0,
    packetCount: 0,
    headerBytesSent: 0,
    rtpCache: [] as RtpPacket[],
    rtcpRunning: false,
    runRtcp: async () => {
      sender.rtcpRunning = true;
    },
    streamId: undefined as string | undefined,
  };
  const transceiver = {
    mid: '1',
    sender,
    headerExtensions: levelExtensionId ? [{ id: levelExtensionId, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' }] : [],
    setDirection: () => {},
  };
  return { transceiver: transceiver as unknown as RTCRtpTransceiver, sender, sent };
}

function packet(ssrc: number, sequenceNumber: number, timestamp: number): RtpPacket {
  return new RtpPacket(new RtpHeader({ ssrc, sequenceNumber, timestamp, payloadType: 111 }), Buffer.from([1, 2, 3]));
}

describe('ForwardedTrack', () => {
  it('uses the fast path with a real werift sender (fails loudly if werift renames what it relies on)', () => {
    const pc = new RTCPeerConnection();
    const track = new ForwardedTrack(pc.addTransceiver('audio', { direction: 'sendonly' }), false);
    expect(track.usesFastPath).toBe(true);
    void pc.close();
  });

  it('keeps sequence numbers and timestamps continuous across a pause and a change of producer', () => {
    const { transceiver, sent, sender } = fakeTransceiver();
    const track = new ForwardedTrack(transceiver, false);
    track.assign('a');
    for (let i = 0; i < 3; i++) track.send(packet(10, 65_534 + i, 1_000 + 960 * i), undefined, 1_000 + 20 * i);
    // Producer a paused for 1 s, then its sequence numbers resume far ahead.
    track.resync();
    track.send(packet(10, 40_000, 500_000), undefined, 2_040);
    // Another producer takes the transceiver over.
    track.assign('b');
    track.send(packet(77, 5, 9), undefined, 2_060);
    track.send(packet(77, 6, 969), undefined, 2_080);

    const seqs = sent.map((s) => s.sequenceNumber);
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]!) & 0xffff).toBe(1);
    const ts = sent.map((s) => s.timestamp);
    expect((ts[1]! - ts[0]!) >>> 0).toBe(960);
    expect((ts[2]! - ts[1]!) >>> 0).toBe(960);
    expect((ts[3]! - ts[2]!) >>> 0).toBe(1_000 * 48);
    expect((ts[4]! - ts[3]!) >>> 0).toBe(960);
    expect((ts[5]! - ts[4]!) >>> 0).toBe(960);
    expect(sent.map((s) => s.marker)).toEqual([true, false, false, true, true, false]);
    expect(sent.every((s) => s.ssrc === 1234 && s.payloadType === 109)).toBe(true);
    expect(sender.packetCount).toBe(6);
    expect(sender.octetCount).toBe(18);
    expect(sender.rtcpRunning).toBe(true);
    expect(sender.rtpCache[seqs[5]! % 128]?.header.sequenceNumber).toBe(seqs[5]);
  });

  it('passes reordered packets through in their place and drops ones from before a new run', () => {
    const { transceiver, sent } = fakeTransceiver();
    const track = new ForwardedTrack(transceiver, false);
    track.assign('a');
    track.send(packet(10, 100, 0), undefined, 0);
    track.send(packet(10, 102, 1_920), undefined, 40);
    track.send(packet(10, 101, 960), undefined, 41);
    expect(sent.map((s) => (s.sequenceNumber - sent[0]!.sequenceNumber) & 0xffff)).toEqual([0, 2, 1]);
    track.assign('b');
    track.send(packet(20, 50, 0), undefined, 60);
    track.send(packet(20, 49, 0), undefined, 61);
    expect(sent).toHaveLength(4);
  });

  it('treats a large sequence jump from the same source as a new run', () => {
    const { transceiver, sent } = fakeTransceiver();
    const track = new ForwardedTrack(transceiver, false);
    track.assign('a');
    track.send(packet(10, 100, 0), undefined, 0);
    track.send(packet(10, 30_000, 123_456), undefined, 20);
    expect((sent[1]!.sequenceNumber - sent[0]!.sequenceNumber) & 0xffff).toBe(1);
    expect((sent[1]!.timestamp - sent[0]!.timestamp) >>> 0).toBe(960);
  });

  it('carries the audio level under the id the listener negotiated, and nothing before DTLS is up', () => {
    const { transceiver, sent, sender } = fakeTransceiver(5);
    const track = new ForwardedTrack(transceiver, false);
    track.refreshNegotiated();
    track.assign('a');
    sender.dtlsTransport.state = 'connecting';
    track.send(packet(10, 1, 0), Buffer.from([0x8a]), 0);
    expect(sent).toHaveLength(0);
    sender.dtlsTransport.state = 'connected';
    track.send(packet(10, 2, 960), Buffer.from([0x8a]), 20);
    expect(sent[0]!.extensions).toEqual([{ id: 5, payload: Buffer.from([0x8a]) }]);
  });
});
