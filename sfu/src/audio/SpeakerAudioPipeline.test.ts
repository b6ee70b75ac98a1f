import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroVad, type VadModel, type VadStream } from './SileroVad.js';
import { SpeakerAudioPipeline, type SpeakerAudioPipelineOptions } from './SpeakerAudioPipeline.js';
import type { UtteranceChunkEvent } from './UtteranceSegmenter.js';
import { LIBRIVOX_0920, dtxFrameAfter, packetize, readWav, rms, scratchDir, seededRandom, sox, tone, type RtpPacket } from './audioTestUtils.js';

const RATE = 16_000;
const PACKET_MS = 20;

interface Recorder {
  events: string[];
  starts: number[];
  chunks: UtteranceChunkEvent[];
  discarded: number[];
  finals: () => UtteranceChunkEvent[];
  seconds: (index?: number) => number;
}

function record(pipeline: SpeakerAudioPipeline): Recorder {
  const r: Recorder = {
    events: [],
    starts: [],
    chunks: [],
    discarded: [],
    finals: () => r.chunks.filter((c) => c.final),
    seconds: (index) =>
      r.chunks.filter((c) => index === undefined || c.index === index).reduce((n, c) => n + c.pcm.length / 2, 0) / RATE,
  };
  pipeline.on('utteranceStart', ({ index }) => {
    r.events.push('start');
    r.starts.push(index);
  });
  pipeline.on('chunk', (chunk) => {
    r.events.push(chunk.final ? 'final' : 'chunk');
    r.chunks.push(chunk);
  });
  pipeline.on('utteranceDiscarded', ({ index }) => {
    r.events.push('discarded');
    r.discarded.push(index);
  });
  return r;
}

/** Delivers packets at a simulated 20 ms pace, letting VAD catch up every 200 ms as it would live. */
async function deliver(
  pipeline: SpeakerAudioPipeline,
  packets: RtpPacket[],
  clock: { ms: number },
  keep: (index: number) => boolean = () => true,
): Promise<void> {
  for (let i = 0; i < packets.length; i++) {
    clock.ms += PACKET_MS;
    const p = packets[i] as RtpPacket;
    if (keep(i)) pipeline.pushRtp(p.payload, p.sequenceNumber, p.timestamp);
    if (i % 10 === 9) await pipeline.drain();
  }
  await pipeline.drain();
}

/** Seconds from the first to the last 20 ms window louder than the quiet parts of the recording. */
function speechExtentSeconds(samples: Int16Array): number {
  const window = 320;
  let first = -1;
  let last = -1;
  for (let i = 0; i + window <= samples.length; i += window) {
    if (rms(samples, i, i + window) > 500) {
      if (first < 0) first = i;
      last = i + window;
    }
  }
  return (last - first) / RATE;
}

describe('SpeakerAudioPipeline', () => {
  const scratch = scratchDir();
  let vad: SileroVad;
  let speech48k: Int16Array;
  let noise48k: Int16Array;
  let speechSeconds: number;
  const silence48k = new Int16Array(48_000 * 2);

  beforeAll(async () => {
    vad = await SileroVad.load();
    const speechPath = join(scratch.path, 'speech48k.wav');
    speech48k = sox([LIBRIVOX_0920, '-r', '48000', speechPath], speechPath).samples;
    const noisePath = join(scratch.path, 'noise48k.wav');
    noise48k = sox(['-n', '-r', '48000', '-c', '1', '-b', '16', noisePath, 'synth', '4', 'whitenoise', 'vol', '0.1'], noisePath).samples;
    speechSeconds = speechExtentSeconds(readWav(LIBRIVOX_0920).samples);
  });
  afterAll(() => scratch.remove());

  const pipelineWith = (options: Partial<SpeakerAudioPipelineOptions> = {}) => {
    const clock = { ms: 1_700_000_000_000 };
    const pipeline = new SpeakerAudioPipeline({ vad, now: () => clock.ms, stallTimeoutSeconds: 0, ...options });
    return { pipeline, clock, recorder: record(pipeline) };
  };

  const speechThenSilence = (firstSequence: number, firstTimestamp: number): RtpPacket[] => {
    const pcm = new Int16Array(speech48k.length + silence48k.length);
    pcm.set(speech48k);
    return packetize(pcm, { firstSequence, firstTimestamp });
  };

  it('turns a spoken sentence into exactly one utterance of several chunks', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    // Numbering close to the wrap points, as a browser's random start may be.
    const packets = speechThenSilence(65_400, 2 ** 32 - 48_000);
    const startMs = clock.ms;
    await deliver(pipeline, packets, clock);

    expect(recorder.starts).toEqual([0]);
    expect(recorder.events[0]).toBe('start');
    expect(recorder.events.at(-1)).toBe('final');
    expect(recorder.finals()).toHaveLength(1);
    const nonFinal = recorder.chunks.filter((c) => !c.final);
    expect(nonFinal.length).toBeGreaterThanOrEqual(5);
    for (const c of nonFinal) expect(c.pcm.length).toBe(0.5 * RATE * 2);
    expect(recorder.chunks.map((c) => c.seq)).toEqual(recorder.chunks.map((_, i) => i));

    // The speech plus at most pre-roll and trailing silence (and a frame or two of VAD slack).
    const total = recorder.seconds();
    expect(total).toBeGreaterThan(speechSeconds);
    expect(total).toBeLessThan(speechSeconds + 0.3 + 0.3 + 0.3);

    // endAtMs follows the audio: increasing, within the delivered time span.
    const ends = recorder.chunks.map((c) => c.endAtMs);
    for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThan(ends[i - 1] as number);
    expect(ends[0]).toBeGreaterThan(startMs);
    expect(ends.at(-1)).toBeLessThanOrEqual(clock.ms);

    expect(pipeline.stats()).toMatchObject({ packets: packets.length, lost: 0, corrupt: 0, vadDrops: 0, utterances: 1 });
    pipeline.close();
  });

  it('still finds one utterance with 5 % of the packets lost', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    const packets = speechThenSilence(1, 0);
    const random = seededRandom(42);
    const drop = packets.map(() => random() < 0.05);
    await deliver(pipeline, packets, clock, (i) => !drop[i]);

    const dropped = drop.filter(Boolean).length;
    expect(dropped).toBeGreaterThan(packets.length * 0.03);
    expect(pipeline.stats().lost).toBe(dropped - (drop.at(-1) ? 1 : 0));
    expect(recorder.starts).toEqual([0]);
    expect(recorder.finals()).toHaveLength(1);
    expect(recorder.seconds()).toBeGreaterThan(speechSeconds);
    expect(recorder.seconds()).toBeLessThan(speechSeconds + 0.9);
    pipeline.close();
  });

  it('finds no utterance in white noise or silence', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    const pcm = new Int16Array(noise48k.length + silence48k.length);
    pcm.set(noise48k);
    await deliver(pipeline, packetize(pcm), clock);
    expect(recorder.chunks).toHaveLength(0);
    expect(recorder.starts.length).toBe(recorder.discarded.length);
    expect(pipeline.stats().frames).toBeGreaterThan(180);
    pipeline.close();
  });

  it('finalises on pause and stays quiet until unpaused', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    const packets = speechThenSilence(500, 123_456);
    await deliver(pipeline, packets.slice(0, 150), clock);
    expect(recorder.starts).toEqual([0]);
    expect(recorder.finals()).toHaveLength(0);

    pipeline.setPaused(true);
    await pipeline.drain();
    expect(recorder.events.at(-1)).toBe('final');
    const eventsAtPause = recorder.events.length;
    // About 3 s of audio went in: 150 packets, less the 0.3 s before the speech.
    expect(recorder.seconds()).toBeGreaterThan(2.5);
    expect(recorder.seconds()).toBeLessThanOrEqual(3);

    await deliver(pipeline, packets.slice(150), clock);
    expect(recorder.events).toHaveLength(eventsAtPause);
    expect(pipeline.stats().packets).toBe(packets.length);

    pipeline.setPaused(false);
    await deliver(pipeline, speechThenSilence(9_000, 77), clock);
    expect(recorder.starts).toEqual([0, 1]);
    expect(recorder.finals().map((c) => c.index)).toEqual([0, 1]);
    pipeline.close();
  });

  it('flush() finalises the utterance in progress', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    await deliver(pipeline, packetize(speech48k.subarray(0, 48_000 * 3)), clock);
    expect(recorder.finals()).toHaveLength(0);
    await pipeline.flush();
    expect(recorder.finals()).toHaveLength(1);
    expect(recorder.events.at(-1)).toBe('final');
    await pipeline.flush();
    expect(recorder.finals()).toHaveLength(1);
    pipeline.close();
  });

  it('keeps going when a listener throws', async () => {
    const errors: string[] = [];
    const { pipeline, clock, recorder } = pipelineWith({ onError: (_error, context) => errors.push(context) });
    pipeline.on('chunk', () => {
      throw new Error('listener failure');
    });
    pipeline.on('utteranceStart', () => {
      throw new Error('listener failure');
    });
    await deliver(pipeline, speechThenSilence(1, 0), clock);
    expect(recorder.finals()).toHaveLength(1);
    expect(pipeline.stats().listenerErrors).toBe(recorder.chunks.length + 1);
    expect(errors).toContain('chunk listener');
    pipeline.close();
  });

  it('pushPcm16k() takes 16 kHz audio directly', async () => {
    const { pipeline, recorder } = pipelineWith();
    const speech16k = readWav(LIBRIVOX_0920).samples;
    for (let i = 0; i < speech16k.length; i += 333) pipeline.pushPcm16k(speech16k.subarray(i, i + 333));
    pipeline.pushPcm16k(new Int16Array(RATE * 2));
    await pipeline.drain();
    expect(recorder.starts).toEqual([0]);
    expect(recorder.finals()).toHaveLength(1);
    pipeline.close();
  });

  it('finalises when the input stalls', async () => {
    const { pipeline, recorder } = pipelineWith({ stallTimeoutSeconds: 0.2 });
    const speech16k = readWav(LIBRIVOX_0920).samples;
    pipeline.pushPcm16k(speech16k.subarray(0, RATE * 3));
    await pipeline.drain();
    expect(recorder.finals()).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(recorder.finals()).toHaveLength(1);
    pipeline.close();
  });

  it('ends a phrase during a DTX pause without waiting for the next packet', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    const pcm = new Int16Array(speech48k.length + 48_000 * 0.2);
    pcm.set(speech48k);
    const packets = packetize(pcm, { firstSequence: 1, firstTimestamp: 0 });
    // The sender goes into DTX (a frame of the table-of-contents byte alone) and sends nothing more.
    packets.push(dtxFrameAfter(packets.at(-1)!));
    await deliver(pipeline, packets, clock);
    expect(recorder.finals()).toHaveLength(0);

    clock.ms += 1_500;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pipeline.drain();
    expect(recorder.finals()).toHaveLength(1);
    expect(pipeline.stats().packets).toBe(packets.length);
    pipeline.close();
  });

  it('close() is idempotent, resolves pending flushes and silences the pipeline', async () => {
    const { pipeline, clock, recorder } = pipelineWith();
    const packets = speechThenSilence(1, 0);
    await deliver(pipeline, packets.slice(0, 100), clock);
    pipeline.pushRtp(packets[100]!.payload, packets[100]!.sequenceNumber, packets[100]!.timestamp);
    const flushed = pipeline.flush();
    pipeline.close();
    pipeline.close();
    await flushed;
    const events = recorder.events.length;
    await deliver(pipeline, packets.slice(101), clock);
    await pipeline.flush();
    expect(recorder.events).toHaveLength(events);
  });
});

/** A VAD stand-in: speech wherever the frame is loud, slow, and watching for overlapping calls. */
class FakeVad implements VadModel {
  concurrent = 0;
  maxConcurrent = 0;
  calls = 0;
  constructor(
    private readonly delayMs: number,
    private readonly failEvery = 0,
  ) {}

  createStream(): VadStream {
    return {
      probability: async (frame) => {
        this.calls += 1;
        this.concurrent += 1;
        this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
        try {
          await new Promise((resolve) => setTimeout(resolve, this.delayMs));
          if (this.failEvery > 0 && this.calls % this.failEvery === 0) throw new Error('inference failed');
          return rms(frame) > 0.05 ? 0.95 : 0.05;
        } finally {
          this.concurrent -= 1;
        }
      },
      reset: () => {},
    };
  }
}

describe('SpeakerAudioPipeline VAD queue', () => {
  it('runs one inference at a time and skips inference for a backlog beyond the limit', async () => {
    const fake = new FakeVad(2);
    const pipeline = new SpeakerAudioPipeline({ vad: fake, maxVadQueueSeconds: 0.5, stallTimeoutSeconds: 0 });
    const recorder = record(pipeline);
    const signal = tone(300, 4, RATE, 10_000);
    pipeline.pushPcm16k(signal);
    pipeline.pushPcm16k(new Int16Array(RATE * 2));
    await pipeline.drain();

    const frames = Math.floor((signal.length + RATE * 2) / 512);
    const stats = pipeline.stats();
    expect(fake.maxConcurrent).toBe(1);
    expect(stats.frames).toBe(frames);
    expect(stats.vadDrops).toBeGreaterThan(0);
    expect(fake.calls).toBe(frames - stats.vadDrops);
    // At most about 0.5 s of frames (16) were left waiting for real inference.
    expect(fake.calls).toBeLessThanOrEqual(Math.round((0.5 * RATE) / 512) + 1);
    // The backlog took the probability of the frame before it, speech, so the utterance is still
    // open; the audio was kept, and silence arriving at a normal pace ends it.
    expect(recorder.starts).toEqual([0]);
    for (let i = 0; i < 10; i++) {
      pipeline.pushPcm16k(new Int16Array(RATE / 10));
      await pipeline.drain();
    }
    expect(recorder.finals()).toHaveLength(1);
    expect(recorder.seconds()).toBeGreaterThan(4);
    pipeline.close();
  });

  it('survives failing inference', async () => {
    const fake = new FakeVad(0, 5);
    const errors: unknown[] = [];
    const pipeline = new SpeakerAudioPipeline({ vad: fake, stallTimeoutSeconds: 0, onError: (e) => errors.push(e) });
    const recorder = record(pipeline);
    pipeline.pushPcm16k(tone(300, 2, RATE, 10_000));
    pipeline.pushPcm16k(new Int16Array(RATE * 2));
    await pipeline.drain();
    expect(pipeline.stats().vadErrors).toBeGreaterThan(5);
    expect(errors).toHaveLength(pipeline.stats().vadErrors);
    expect(recorder.finals()).toHaveLength(1);
    pipeline.close();
  });
});
