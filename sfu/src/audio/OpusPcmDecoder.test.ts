import { describe, expect, it } from 'vitest';
import { OpusPcmDecoder } from './OpusPcmDecoder.js';
import { dtxFrameAfter, packetize, rms, tone, type RtpPacket } from './audioTestUtils.js';

const FRAME = 960;

function collect(options: { reorderWindowPackets?: number; maxGapFillSeconds?: number } = {}) {
  const chunks: Int16Array[] = [];
  const decoder = new OpusPcmDecoder({ ...options, onPcm: (pcm) => chunks.push(Int16Array.from(pcm)) });
  const output = (): Int16Array => {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Int16Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  };
  return { decoder, output, chunks };
}

function feed(decoder: OpusPcmDecoder, packets: RtpPacket[]): void {
  for (const p of packets) decoder.push(p.payload, p.sequenceNumber, p.timestamp);
}

const signal = tone(440, 1, 48_000, 8_000);

describe('OpusPcmDecoder', () => {
  it('decodes 20 ms packets to 960 mono samples each', () => {
    const packets = packetize(signal);
    const { decoder, output } = collect();
    feed(decoder, packets);
    expect(output().length).toBe(packets.length * FRAME);
    // Opus is lossy but a steady tone keeps its level.
    expect(rms(output(), 4_800)).toBeGreaterThan(rms(signal) * 0.8);
    expect(decoder.stats()).toMatchObject({ packets: packets.length, lost: 0, corrupt: 0, late: 0 });
  });

  it('puts reordered packets back in order', () => {
    const packets = packetize(signal);
    const inOrder = collect();
    feed(inOrder.decoder, packets);

    const shuffled = [...packets];
    // The first packet sets the stream position, so the shuffling starts after it.
    for (let i = 1; i + 2 < shuffled.length; i += 3) {
      [shuffled[i], shuffled[i + 2]] = [shuffled[i + 2] as RtpPacket, shuffled[i] as RtpPacket];
    }
    const reordered = collect({ reorderWindowPackets: 2 });
    feed(reordered.decoder, shuffled);
    reordered.decoder.flush();
    expect(reordered.output()).toEqual(inOrder.output());
    expect(reordered.decoder.stats()).toMatchObject({ lost: 0, late: 0 });
  });

  it('drops duplicates and packets older than the reorder window', () => {
    const packets = packetize(signal.subarray(0, FRAME * 10));
    const { decoder, output } = collect({ reorderWindowPackets: 1 });
    const p = (i: number): RtpPacket => packets[i] as RtpPacket;
    // 3 goes missing, 4 and 5 arrive, so 3 is given up; when it turns up it is late.
    // 1 and 2 arrive twice, once after being played.
    feed(decoder, [p(0), p(1), p(1), p(2), p(4), p(5), p(3), p(6), p(7), p(8), p(9), p(2)]);
    expect(decoder.stats()).toMatchObject({ duplicates: 2, late: 1, lost: 1 });
    expect(output().length).toBe(10 * FRAME);
  });

  it('conceals a lost packet so that the timeline stays intact', () => {
    const packets = packetize(signal);
    const { decoder, output } = collect();
    feed(
      decoder,
      packets.filter((_, i) => i !== 20),
    );
    const pcm = output();
    expect(pcm.length).toBe(packets.length * FRAME);
    expect(decoder.stats().lost).toBe(1);
    // Concealment continues the tone rather than leaving a hole of silence.
    expect(rms(pcm, 20 * FRAME, 21 * FRAME)).toBeGreaterThan(rms(signal) * 0.2);
  });

  it('fills a DTX pause (timestamp jump without missing sequence numbers) with silence', () => {
    const first = packetize(signal.subarray(0, FRAME * 5), { firstSequence: 100, firstTimestamp: 10_000 });
    const second = packetize(signal.subarray(0, FRAME * 5), {
      firstSequence: 105,
      firstTimestamp: 10_000 + FRAME * 5 + 48_000 / 2,
    });
    const { decoder, output } = collect();
    feed(decoder, [...first, ...second]);
    const pcm = output();
    expect(pcm.length).toBe(FRAME * 10 + 24_000);
    expect(decoder.stats().lost).toBe(0);
    expect(rms(pcm, FRAME * 5, FRAME * 5 + 24_000)).toBe(0);
  });

  it('fills a pause after a DTX frame with comfort noise, and hands out a pause as it passes (fillSilence)', () => {
    // A quiet hiss, then the sender goes into DTX: a frame of the table-of-contents byte alone.
    const hiss = tone(3_000, 0.2, 48_000, 300);
    const before = packetize(hiss, { firstSequence: 7, firstTimestamp: 0 });
    const dtx = dtxFrameAfter(before.at(-1)!);
    const { decoder, output } = collect();
    feed(decoder, [...before, dtx]);
    const decoded = output().length;

    // Nothing arrives for a while: 100 ms of the pause handed out now.
    expect(decoder.fillSilence(4_800)).toBe(4_800);
    // The next packet, 400 ms after the DTX frame, fills only what is left of the gap.
    const after = packetize(hiss.subarray(0, FRAME), { firstSequence: dtx.sequenceNumber + 1, firstTimestamp: dtx.timestamp + FRAME + 19_200 });
    feed(decoder, after);
    const pcm = output();
    expect(pcm.length).toBe(decoded + 4_800 + 19_200 - 4_800 + FRAME);
    // The pause sounds like the hiss went on (comfort noise), not like digital silence.
    expect(rms(pcm, decoded, decoded + 19_200)).toBeGreaterThan(rms(hiss) / 20);
    expect(decoder.stats()).toMatchObject({ lost: 0, filledSamples: 19_200 });
  });

  it('hands out no pause unless the sender went into DTX, nor while a hole waits in the reorder buffer', () => {
    const { decoder, output } = collect({ reorderWindowPackets: 3 });
    expect(decoder.fillSilence(960)).toBe(0);
    const packets = packetize(signal.subarray(0, FRAME * 4), { firstSequence: 1, firstTimestamp: 0 });
    feed(decoder, packets.slice(0, 2));
    // Audio, then nothing: late or lost packets, not a pause.
    expect(decoder.fillSilence(960)).toBe(0);
    const third = dtxFrameAfter(packets[1]!);
    feed(decoder, [dtxFrameAfter(third)]);
    expect(decoder.fillSilence(960)).toBe(0);
    feed(decoder, [third]);
    expect(decoder.fillSilence(960)).toBe(960);
    expect(output().length).toBe(FRAME * 5);
  });

  it('caps a very long gap', () => {
    const first = packetize(signal.subarray(0, FRAME), { firstSequence: 1, firstTimestamp: 0 });
    const second = packetize(signal.subarray(0, FRAME), { firstSequence: 2, firstTimestamp: FRAME + 48_000 * 60 });
    const { decoder, output } = collect({ maxGapFillSeconds: 1 });
    feed(decoder, [...first, ...second]);
    expect(output().length).toBe(2 * FRAME + 48_000);
  });

  it('follows sequence number and timestamp wraparound', () => {
    const packets = packetize(signal, { firstSequence: 65_530, firstTimestamp: 2 ** 32 - 3 * FRAME });
    expect(packets.some((p) => p.sequenceNumber === 0)).toBe(true);
    const { decoder, output } = collect();
    // Swap the packets on either side of the wrap as well.
    const i = packets.findIndex((p) => p.sequenceNumber === 0);
    [packets[i - 1], packets[i]] = [packets[i] as RtpPacket, packets[i - 1] as RtpPacket];
    feed(decoder, packets);
    decoder.flush();
    expect(output().length).toBe(packets.length * FRAME);
    expect(decoder.stats()).toMatchObject({ lost: 0, late: 0, duplicates: 0, filledSamples: 0 });
  });

  it('counts and skips a corrupt payload without throwing, keeping the timeline', () => {
    const packets = packetize(signal.subarray(0, FRAME * 10));
    const { decoder, output } = collect();
    const broken = packets.map((p, i) => (i === 4 ? { ...p, payload: Buffer.from([0xff, 0xff, 0xff]) } : p));
    expect(() => feed(decoder, broken)).not.toThrow();
    expect(decoder.stats().corrupt).toBe(1);
    expect(output().length).toBe(10 * FRAME);
  });

  it('downmixes stereo Opus to mono', () => {
    const left = tone(440, 0.5, 48_000, 8_000);
    const interleave = (l: Int16Array, r: Int16Array): Int16Array => {
      const out = new Int16Array(l.length * 2);
      for (let i = 0; i < l.length; i++) {
        out[2 * i] = l[i] as number;
        out[2 * i + 1] = r[i] as number;
      }
      return out;
    };
    const leftOnly = collect();
    feed(leftOnly.decoder, packetize(interleave(left, new Int16Array(left.length)), { channels: 2 }));
    const both = collect();
    feed(both.decoder, packetize(interleave(left, left), { channels: 2 }));

    expect(leftOnly.output().length).toBe(left.length);
    const reference = rms(left);
    // (L + R) / 2: one silent side halves the level, identical sides keep it.
    expect(rms(leftOnly.output(), 4_800) / reference).toBeCloseTo(0.5, 1);
    expect(rms(both.output(), 4_800) / reference).toBeCloseTo(1, 1);
  });

  it('plays out the reorder buffer on flush()', () => {
    const packets = packetize(signal.subarray(0, FRAME * 4));
    const { decoder, output } = collect({ reorderWindowPackets: 5 });
    feed(decoder, [packets[0], packets[2], packets[3]] as RtpPacket[]);
    expect(output().length).toBe(FRAME);
    decoder.flush();
    expect(output().length).toBe(4 * FRAME);
    expect(decoder.stats().lost).toBe(1);
  });

  it('treats a huge sequence jump as a restarted stream', () => {
    const a = packetize(signal.subarray(0, FRAME * 3), { firstSequence: 10, firstTimestamp: 1_000 });
    const b = packetize(signal.subarray(0, FRAME * 3), { firstSequence: 30_000, firstTimestamp: 999_999 });
    const { decoder, output } = collect();
    feed(decoder, [...a, ...b]);
    expect(output().length).toBe(6 * FRAME);
    expect(decoder.stats()).toMatchObject({ resyncs: 1, late: 0 });
  });
});
