import { describe, expect, it } from 'vitest';
import {
  SEGMENTER_FRAME_SAMPLES as FRAME,
  UtteranceSegmenter,
  type UtteranceChunkEvent,
  type UtteranceSegmenterOptions,
} from './UtteranceSegmenter.js';

const RATE = 16_000;
const framesFor = (seconds: number): number => Math.round((seconds * RATE) / FRAME);

type Logged =
  | { type: 'start'; index: number }
  | { type: 'chunk'; chunk: UtteranceChunkEvent; samples: Int16Array }
  | { type: 'discarded'; index: number; speechSeconds: number };

function harness(options: UtteranceSegmenterOptions = {}) {
  let clockMs = 1_000_000;
  const segmenter = new UtteranceSegmenter({ now: () => clockMs, ...options });
  const log: Logged[] = [];
  segmenter.on('utteranceStart', ({ index }) => log.push({ type: 'start', index }));
  segmenter.on('chunk', (chunk) =>
    log.push({ type: 'chunk', chunk, samples: new Int16Array(chunk.pcm.buffer, chunk.pcm.byteOffset, chunk.pcm.length / 2) }),
  );
  segmenter.on('utteranceDiscarded', ({ index, speechSeconds }) => log.push({ type: 'discarded', index, speechSeconds }));

  /**
   * Every sample's value is its global index modulo 32768, so chunk contents show exactly which
   * stretch of the input they hold. The clock follows the audio in real time.
   */
  let position = 0;
  const frames = (probability: number, count: number): void => {
    for (let f = 0; f < count; f++) {
      const pcm = new Int16Array(FRAME);
      for (let i = 0; i < FRAME; i++) pcm[i] = (position + i) % 32_768;
      position += FRAME;
      clockMs += (FRAME / RATE) * 1000;
      segmenter.pushAudio(pcm);
      segmenter.pushProbability(probability);
    }
  };
  const chunks = () => log.flatMap((e) => (e.type === 'chunk' ? [e] : []));
  const types = () => log.map((e) => e.type);
  return { segmenter, log, frames, chunks, types, clock: () => clockMs };
}

function firstSampleIndex(e: { samples: Int16Array }): number {
  return e.samples[0] as number;
}

describe('UtteranceSegmenter', () => {
  it('cuts one utterance into 0.5 s chunks with pre-roll and a short trailing silence', () => {
    const h = harness();
    h.frames(0.01, framesFor(1));
    h.frames(0.95, framesFor(2));
    h.frames(0.02, framesFor(1.5));

    expect(h.types()[0]).toBe('start');
    const chunks = h.chunks();
    expect(chunks.filter((c) => c.chunk.final)).toHaveLength(1);
    expect(chunks.at(-1)?.chunk.final).toBe(true);
    expect(chunks.map((c) => c.chunk.seq)).toEqual(chunks.map((_, i) => i));
    for (const c of chunks.slice(0, -1)) expect(c.samples.length).toBe(0.5 * RATE);
    expect(chunks.at(-1)?.samples.length).toBeLessThan(0.5 * RATE);

    const speechStart = framesFor(1) * FRAME;
    const speechEnd = speechStart + framesFor(2) * FRAME;
    // Starts 0.3 s before the onset and ends at most 0.3 s after the speech.
    expect(firstSampleIndex(chunks[0]!)).toBe(speechStart - 0.3 * RATE);
    const all = chunks.flatMap((c) => [...c.samples]);
    expect(all.length).toBe(speechEnd + 0.3 * RATE - (speechStart - 0.3 * RATE));
    // Contiguous audio, nothing repeated or skipped.
    expect(all.findIndex((v, i) => v !== (speechStart - 0.3 * RATE + i) % 32_768)).toBe(-1);
  });

  it('stamps each chunk with the wall-clock time of its last sample', () => {
    const h = harness();
    const start = h.clock();
    h.frames(0, 10);
    h.frames(1, framesFor(1));
    h.frames(0, framesFor(1));
    for (const c of h.chunks()) {
      const lastSample = (c.samples.at(-1) as number) + 1;
      expect(c.chunk.endAtMs).toBeCloseTo(start + (lastSample / RATE) * 1000, 6);
    }
  });

  it('needs consecutive speech frames to start', () => {
    const h = harness({ speechStartFrames: 2 });
    for (let i = 0; i < 20; i++) {
      h.frames(0.9, 1);
      h.frames(0.1, 1);
    }
    expect(h.log).toHaveLength(0);
    h.frames(0.9, 2);
    expect(h.types()).toEqual(['start']);
  });

  it('holds an utterance through frames between the two thresholds', () => {
    const h = harness({ silenceThresholdSeconds: 0.5 });
    h.frames(0.9, framesFor(0.5));
    h.frames(0.4, framesFor(2));
    expect(h.types().filter((t) => t === 'start')).toHaveLength(1);
    expect(h.chunks().some((c) => c.chunk.final)).toBe(false);
    h.frames(0.2, framesFor(0.5));
    expect(h.chunks().at(-1)?.chunk.final).toBe(true);
  });

  it('discards an utterance with too little speech, without emitting any chunk', () => {
    const h = harness({ minSpeechSeconds: 0.25 });
    h.frames(0, 10);
    h.frames(0.9, 4);
    h.frames(0, framesFor(2));
    expect(h.types()).toEqual(['start', 'discarded']);
    const discarded = h.log[1];
    expect(discarded).toMatchObject({ type: 'discarded', index: 0 });
    // The next utterance gets the next index.
    h.frames(0.9, framesFor(1));
    h.frames(0, framesFor(1));
    expect(h.log.at(-1)).toMatchObject({ type: 'chunk', chunk: { index: 1, final: true } });
  });

  it('ends after silenceThresholdSeconds of silence but keeps shorter pauses', () => {
    const h = harness({ silenceThresholdSeconds: 0.8 });
    h.frames(0.9, framesFor(1));
    h.frames(0.1, framesFor(0.6));
    h.frames(0.9, framesFor(1));
    expect(h.chunks().some((c) => c.chunk.final)).toBe(false);
    h.frames(0.1, framesFor(0.8) - 1);
    expect(h.chunks().some((c) => c.chunk.final)).toBe(false);
    h.frames(0.1, 1);
    expect(h.chunks().filter((c) => c.chunk.final)).toHaveLength(1);
    // The inner pause is kept whole.
    const all = h.chunks().flatMap((c) => [...c.samples]);
    expect(all.length).toBe((framesFor(1) * 2 + framesFor(0.6)) * FRAME + 0.3 * RATE);
  });

  it('never sends more than 0.3 s of a pause before it knows whether speech resumes', () => {
    const h = harness({ silenceThresholdSeconds: 2 });
    h.frames(0.9, framesFor(1));
    h.frames(0.1, framesFor(1.5));
    const sent = h.chunks().reduce((n, c) => n + c.samples.length, 0);
    expect(sent).toBeLessThanOrEqual(framesFor(1) * FRAME + 0.3 * RATE);
    // When speech resumes, the held pause goes out after all.
    h.frames(0.9, framesFor(1));
    h.frames(0.1, framesFor(2));
    const all = h.chunks().flatMap((c) => [...c.samples]);
    expect(all.findIndex((v, i) => v !== i % 32_768)).toBe(-1);
  });

  it('splits speech longer than maxUtteranceSeconds into back-to-back utterances, each cut near the cap', () => {
    const h = harness({ maxUtteranceSeconds: 5 });
    h.frames(0.9, framesFor(12));
    h.frames(0.05, framesFor(2));
    const starts = h.log.filter((e) => e.type === 'start');
    expect(starts.map((e) => e.index)).toEqual([0, 1, 2]);
    const finals = h.chunks().filter((c) => c.chunk.final);
    expect(finals.map((c) => c.chunk.index)).toEqual([0, 1, 2]);
    for (const index of [0, 1]) {
      const length = h.chunks().filter((c) => c.chunk.index === index).reduce((n, c) => n + c.samples.length, 0);
      // Without a pause it is cut at its quietest frame within the last third before the cap.
      expect(length).toBeGreaterThanOrEqual((5 - 5 / 3) * RATE);
      expect(length).toBeLessThan(5 * RATE + FRAME);
    }
    // Across the cuts the audio is contiguous: no gap, no overlap.
    const all = h.chunks().flatMap((c) => [...c.samples]);
    expect(all.findIndex((v, i) => v !== i % 32_768)).toBe(-1);
    // seq restarts in every utterance.
    expect(h.chunks().filter((c) => c.chunk.index === 1)[0]?.chunk.seq).toBe(0);
  });

  it('cuts an utterance that reaches the cap in the middle of its longest pause near the cap, and sends nothing past it early', () => {
    const h = harness({ maxUtteranceSeconds: 6, splitLookbackSeconds: 2 });
    h.frames(0.01, 10);
    h.frames(0.9, framesFor(4.5)); // a short pause inside the lookback, then a longer one
    h.frames(0.05, 4);
    h.frames(0.9, framesFor(0.3));
    h.frames(0.05, 10);
    const pauseStart = (10 + framesFor(4.5) + 4 + framesFor(0.3)) * FRAME;
    h.frames(0.9, framesFor(3));
    h.frames(0.05, framesFor(2));
    const first = h.chunks().filter((c) => c.chunk.index === 0);
    expect(first.at(-1)!.chunk.final).toBe(true);
    // Sample values are their index modulo 32768.
    const end = (firstSampleIndex(first.at(-1)!) + first.at(-1)!.samples.length) % 32_768;
    expect(end).toBe((pauseStart + 5 * FRAME) % 32_768);
    const second = h.chunks().filter((c) => c.chunk.index === 1);
    expect(firstSampleIndex(second[0]!)).toBe(end);
    expect(second.at(-1)!.chunk.final).toBe(true);
  });

  it('sends the audio so far at a short pause, marked, once per pause; the endpoint still comes after the full silence', () => {
    const h = harness({ pauseHintSeconds: 0.2, silenceThresholdSeconds: 0.8 });
    h.frames(0.01, 5);
    h.frames(0.9, framesFor(1.2));
    h.frames(0.05, framesFor(0.4));
    const hints = h.chunks().filter((c) => c.chunk.pause);
    expect(hints).toHaveLength(1);
    expect(hints[0]!.chunk.final).toBe(false);
    const sent = h.chunks().flatMap((c) => [...c.samples]);
    // Every voiced sample has gone out with the hint, though no endpoint yet.
    expect(sent.length).toBeGreaterThanOrEqual((framesFor(1.2) + 6) * FRAME - 0.3 * RATE);
    expect(h.chunks().some((c) => c.chunk.final)).toBe(false);
    h.frames(0.9, framesFor(0.5));
    h.frames(0.05, framesFor(1));
    expect(h.chunks().filter((c) => c.chunk.pause)).toHaveLength(2);
    expect(h.chunks().filter((c) => c.chunk.final)).toHaveLength(1);
  });

  it('adaptive endpointing ends a long phrase whose voice falls sooner than a short one whose voice stays up', () => {
    const adaptive = { mode: 'adaptive', minSilenceSeconds: 0.3, maxSilenceSeconds: 1, longPhraseSeconds: 3 } as const;
    const loud = (level: number) => new Int16Array(FRAME).map((_, i) => Math.round(level * Math.sin(i / 3)));
    const run = (speechSeconds: number, tailLevel: number) => {
      const segmenter = new UtteranceSegmenter({ endpointing: adaptive });
      let endedAfterFrames = -1;
      let silentFrames = 0;
      segmenter.on('chunk', (c) => {
        if (c.final && endedAfterFrames < 0) endedAfterFrames = silentFrames;
      });
      const push = (pcm: Int16Array, p: number) => {
        segmenter.pushAudio(pcm);
        segmenter.pushProbability(p);
      };
      const speech = framesFor(speechSeconds);
      for (let f = 0; f < speech; f++) push(loud(f < speech - 8 ? 12_000 : tailLevel), 0.9);
      for (; silentFrames < framesFor(2) && endedAfterFrames < 0; silentFrames++) push(new Int16Array(FRAME), 0.05);
      return (endedAfterFrames * FRAME) / RATE;
    };
    const finishedSentence = run(4, 2_000);
    const midSentencePause = run(1, 12_000);
    expect(finishedSentence).toBeLessThan(0.45);
    expect(midSentencePause).toBeGreaterThan(0.75);
    expect(midSentencePause).toBeLessThan(1.05);
  });

  it('keeps every chunk at most 2 s', () => {
    const h = harness({ chunkSeconds: 2, minSpeechSeconds: 3 });
    h.frames(0.9, framesFor(6));
    h.frames(0, framesFor(1));
    expect(h.chunks().length).toBeGreaterThan(3);
    for (const c of h.chunks()) expect(c.samples.length).toBeLessThanOrEqual(2 * RATE);
    expect(() => new UtteranceSegmenter({ chunkSeconds: 2.5 })).toThrow(RangeError);
  });

  it('gives the same result for any audio chunking and probabilities arriving first', () => {
    const probabilities = [...Array(framesFor(1)).fill(0.1), ...Array(framesFor(2)).fill(0.8), ...Array(framesFor(1.5)).fill(0.1)];
    const audio = new Int16Array(probabilities.length * FRAME).map((_, i) => i % 32_768);
    const run = (sizes: number[], probabilitiesFirst: boolean): Buffer => {
      const segmenter = new UtteranceSegmenter({ now: () => 0 });
      const out: Buffer[] = [];
      segmenter.on('chunk', (c) => out.push(c.pcm));
      if (probabilitiesFirst) for (const p of probabilities) segmenter.pushProbability(p);
      let offset = 0;
      let next = 0;
      for (let k = 0; offset < audio.length; k++) {
        const size = sizes[k % sizes.length] as number;
        segmenter.pushAudio(audio.subarray(offset, offset + size), 0);
        offset += size;
        // Otherwise each probability comes once its whole frame of audio is in.
        while (!probabilitiesFirst && next < probabilities.length && offset >= (next + 1) * FRAME) {
          segmenter.pushProbability(probabilities[next++] as number);
        }
      }
      return Buffer.concat(out);
    };
    const aligned = run([FRAME], true);
    expect(aligned.length).toBeGreaterThan(2 * RATE * 2);
    expect(run([1, 100, 7, 3_000, 511], true)).toEqual(aligned);
    expect(run([160, 320, 4_000], false)).toEqual(aligned);
  });

  it('finalize() ends the utterance now, or discards it when too short', () => {
    const h = harness();
    h.frames(0.9, framesFor(1));
    h.segmenter.finalize();
    expect(h.chunks().at(-1)?.chunk.final).toBe(true);
    expect(h.segmenter.speaking).toBe(false);
    h.frames(0.9, 3);
    h.segmenter.finalize();
    expect(h.types().at(-1)).toBe('discarded');
    // finalize() with nothing open does nothing.
    const before = h.log.length;
    h.segmenter.finalize();
    expect(h.log).toHaveLength(before);
  });

  it('does not reach back with pre-roll into audio already sent', () => {
    const h = harness({ silenceThresholdSeconds: 0.3, trailingSilenceSeconds: 0.2 });
    h.frames(0.9, framesFor(1));
    h.frames(0.1, framesFor(0.4));
    h.frames(0.9, framesFor(1));
    h.frames(0.1, framesFor(1));
    expect(h.chunks().filter((c) => c.chunk.final)).toHaveLength(2);
    const all = h.chunks().flatMap((c) => [...c.samples]);
    // Sample values count up modulo 32768. The 0.4 s pause is shorter than trailing silence plus
    // pre-roll, so the second utterance's pre-roll is cut where the first one's audio ended.
    const steps = all.slice(1).map((v, i) => (v - (all[i] as number) + 32_768) % 32_768);
    expect(steps.filter((d) => d !== 1)).toEqual([]);
  });

  it('carries on when a listener throws', () => {
    const h = harness();
    h.segmenter.on('chunk', () => {
      throw new Error('listener failure');
    });
    h.frames(0.9, framesFor(2));
    h.frames(0.1, framesFor(1));
    expect(h.chunks().filter((c) => c.chunk.final)).toHaveLength(1);
    expect(h.chunks().length).toBeGreaterThan(3);
  });
});
