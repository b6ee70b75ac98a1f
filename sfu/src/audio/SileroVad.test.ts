import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroVad, VAD_FRAME_SAMPLES, defaultSileroModelPath, type VadStream } from './SileroVad.js';
import { LIBRIVOX_0920, readWav, scratchDir, sox } from './audioTestUtils.js';

async function probabilities(stream: VadStream, samples: Int16Array): Promise<number[]> {
  const frame = new Float32Array(VAD_FRAME_SAMPLES);
  const out: number[] = [];
  for (let start = 0; start + VAD_FRAME_SAMPLES <= samples.length; start += VAD_FRAME_SAMPLES) {
    for (let i = 0; i < VAD_FRAME_SAMPLES; i++) frame[i] = (samples[start + i] as number) / 32_768;
    out.push(await stream.probability(frame));
  }
  return out;
}

const share = (values: number[], predicate: (p: number) => boolean): number => values.filter(predicate).length / values.length;

describe('SileroVad', () => {
  const scratch = scratchDir();
  let vad: SileroVad;
  let speech: Int16Array;
  let noise: Int16Array;
  let silence: Int16Array;

  beforeAll(async () => {
    vad = await SileroVad.load();
    speech = readWav(LIBRIVOX_0920).samples;
    const noisePath = join(scratch.path, 'noise.wav');
    noise = sox(['-n', '-r', '16000', '-c', '1', '-b', '16', noisePath, 'synth', '3', 'whitenoise', 'vol', '0.1'], noisePath).samples;
    const silencePath = join(scratch.path, 'silence.wav');
    silence = sox(['-n', '-r', '16000', '-c', '1', '-b', '16', silencePath, 'trim', '0', '3'], silencePath).samples;
  });
  afterAll(() => scratch.remove());

  it('loads one shared session per model path', async () => {
    expect(await SileroVad.load()).toBe(vad);
    expect(await SileroVad.load(defaultSileroModelPath())).toBe(vad);
    expect(defaultSileroModelPath()).toMatch(/@ricky0123\/vad-web\/dist\/silero_vad_v5\.onnx$/);
  });

  it('rejects a model without the v5 inputs', async () => {
    const legacy = defaultSileroModelPath().replace('silero_vad_v5.onnx', 'silero_vad_legacy.onnx');
    await expect(SileroVad.load(legacy)).rejects.toThrow(/not a Silero VAD v5 model.*state/);
  });

  it('gives speech a high probability', async () => {
    const p = await probabilities(vad.createStream(), speech);
    expect(Math.max(...p)).toBeGreaterThan(0.95);
    // The recording is about 6 s, almost all of it speech after a third of a second of silence.
    expect(share(p, (x) => x >= 0.5)).toBeGreaterThan(0.8);
    expect(share(p.slice(0, 8), (x) => x < 0.35)).toBe(1);
  });

  it('gives digital silence a low probability', async () => {
    const p = await probabilities(vad.createStream(), silence);
    expect(p.length).toBeGreaterThan(90);
    expect(Math.max(...p)).toBeLessThan(0.1);
  });

  it('gives white noise a low probability on most frames', async () => {
    const p = await probabilities(vad.createStream(), noise);
    expect(share(p, (x) => x < 0.35)).toBeGreaterThan(0.9);
  });

  it('keeps each stream’s state to itself', async () => {
    const alone = await probabilities(vad.createStream(), noise.subarray(0, 16_000));
    const a = vad.createStream();
    const b = vad.createStream();
    const frame = new Float32Array(VAD_FRAME_SAMPLES);
    const interleaved: number[] = [];
    for (let start = 0; start + VAD_FRAME_SAMPLES <= 16_000; start += VAD_FRAME_SAMPLES) {
      for (let i = 0; i < VAD_FRAME_SAMPLES; i++) frame[i] = (speech[16_000 + start + i] as number) / 32_768;
      await a.probability(frame);
      for (let i = 0; i < VAD_FRAME_SAMPLES; i++) frame[i] = (noise[start + i] as number) / 32_768;
      interleaved.push(await b.probability(frame));
    }
    expect(interleaved).toEqual(alone);
  });

  it('runs concurrent streams on the shared session', async () => {
    const sequential = await probabilities(vad.createStream(), speech.subarray(0, 32_000));
    const parallel = await Promise.all([1, 2, 3].map(() => probabilities(vad.createStream(), speech.subarray(0, 32_000))));
    for (const p of parallel) expect(p).toEqual(sequential);
  });

  it('classifies the frames of concurrent streams together, with the results of one by one', async () => {
    const clip = speech.subarray(0, 16_000);
    const alone = await probabilities(vad.createStream(), clip);
    const before = vad.stats();
    const together = await Promise.all([1, 2, 3, 4].map(() => probabilities(vad.createStream(), clip)));
    const after = vad.stats();
    for (const p of together) expect(p).toEqual(alone);
    expect(after.frames - before.frames).toBe(4 * alone.length);
    // Each inference carried one frame of each of the four streams.
    expect(after.inferences - before.inferences).toBe(alone.length);
  });

  it('classifies one frame at a time with maxBatch 1', async () => {
    const single = await SileroVad.open(defaultSileroModelPath(), { maxBatch: 1 });
    const clip = speech.subarray(0, 8_000);
    const together = await Promise.all([1, 2].map(() => probabilities(single.createStream(), clip)));
    const stats = single.stats();
    expect(stats.frames).toBe(2 * together[0]!.length);
    expect(stats.inferences).toBe(stats.frames);
    expect(together[1]).toEqual(together[0]);
    await single.close();
  });

  it('forgets its state on reset()', async () => {
    const stream = vad.createStream();
    const fresh = await probabilities(stream, speech.subarray(0, 16_000));
    await probabilities(stream, speech.subarray(40_000, 60_000));
    stream.reset();
    expect(await probabilities(stream, speech.subarray(0, 16_000))).toEqual(fresh);
  });

  it('insists on 512-sample frames', async () => {
    await expect(vad.createStream().probability(new Float32Array(480))).rejects.toThrow(RangeError);
  });
});
