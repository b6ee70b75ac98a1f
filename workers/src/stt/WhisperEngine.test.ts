import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoProcessor } from '@huggingface/transformers';
import { ModelNotFoundError } from '../models/localModels.js';
import { WhisperEngine } from './WhisperEngine.js';
import { commonWordPrefix, type WhisperEngineStream } from './WhisperEngineStream.js';
import { whisperLogMel, type WhisperFeatureExtractorLike } from './whisperFeatures.js';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/models/tiny-whisper', import.meta.url));
const HALF_SECOND = 8_000;

/** A tone with some noise: the fixture's output does not depend on it, the code paths do. */
function speechLike(seconds: number): Int16Array {
  return new Int16Array(Math.round(16_000 * seconds)).map((_, i) => Math.round(Math.sin(i / 7) * 3_000 + Math.sin(i / 31) * 1_500));
}

function toFloat(pcm: Int16Array): Float32Array {
  return Float32Array.from(pcm, (s) => s / 32_768);
}

describe('commonWordPrefix', () => {
  it('keeps the words two decodes agree on from the start', () => {
    expect(commonWordPrefix(' the cat sat', 'the cat stood up')).toBe('the cat');
    expect(commonWordPrefix('hello', 'goodbye')).toBe('');
    expect(commonWordPrefix('', 'anything')).toBe('');
  });
});

describe('whisperLogMel', () => {
  it('matches the feature extractor run over the zero-padded 30 s window', async () => {
    const processor = (await AutoProcessor.from_pretrained(FIXTURE)) as unknown as { feature_extractor: WhisperFeatureExtractorLike };
    const extractor = processor.feature_extractor;
    for (const seconds of [0, 0.4, 2.3]) {
      const audio = toFloat(speechLike(seconds));
      const full = (await extractor(audio)).input_features;
      const fast = await whisperLogMel(extractor, audio);
      expect(fast.dims).toEqual(full.dims);
      let maxDiff = 0;
      for (let i = 0; i < full.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full.data[i]! - fast.data[i]!));
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });
});

describe('WhisperEngine (tiny random-weight fixture)', () => {
  let engine: WhisperEngine;

  beforeAll(async () => {
    // A small budget keeps each fixture decode to milliseconds; the fixture never stops on its own.
    engine = await WhisperEngine.create({ modelDir: FIXTURE, tokensPerSecond: 2, extraTokens: 4, minPartialIntervalMs: 0 });
  });

  afterAll(async () => {
    await engine.close();
  });

  it('serves every language of the product on the CPU', () => {
    expect(engine.name).toBe('whisper');
    expect(engine.languages).toEqual(['en', 'es', 'fr', 'de', 'it', 'pt', 'ca', 'nl']);
    expect(engine.device).toBe('cpu');
  });

  it('bounds max_new_tokens by the audio length', async () => {
    expect(engine.maxNewTokensFor(16_000)).toBe(6);
    expect(engine.maxNewTokensFor(16_000 * 3)).toBe(10);
    expect(engine.maxNewTokensFor(16_000 * 10_000)).toBe(444);
    const decode = await engine.decode(toFloat(speechLike(1.5)), 'es');
    expect(decode.maxNewTokens).toBe(7);
    expect(decode.tokenCount).toBeGreaterThan(0);
    expect(decode.tokenCount).toBeLessThanOrEqual(decode.maxNewTokens);
    expect(typeof decode.text).toBe('string');
    expect(typeof decode.rawText).toBe('string');
    expect(decode.audioSeconds).toBeCloseTo(1.5);
  });

  it('reports the no-speech probability from the decoder', async () => {
    const decode = await engine.decode(toFloat(speechLike(1)), 'en');
    expect(decode.noSpeechProb).toBeGreaterThanOrEqual(0);
    expect(decode.noSpeechProb).toBeLessThanOrEqual(1);
  });

  it('streams: interims from several chunks, then one final decode of the whole utterance', async () => {
    const stream = engine.open('en') as WhisperEngineStream;
    const audio = speechLike(2);
    const partials: string[] = [];
    for (let i = 0; i < audio.length; i += HALF_SECOND) {
      await stream.write(audio.subarray(i, i + HALF_SECOND));
      partials.push(await stream.partial());
    }
    expect(partials).toHaveLength(4);
    for (const p of partials) expect(typeof p).toBe('string');
    // Nothing is stable after one decode.
    expect(partials[0]).toBe('');
    const final = await stream.finish();
    expect(typeof final).toBe('string');
    expect(stream.decodes).toHaveLength(5);
    expect(stream.decodes.at(-1)!.audioSeconds).toBeCloseTo(2);
    expect(stream.decodes.map((d) => d.maxNewTokens)).toEqual([5, 6, 7, 8, 8]);
  });

  it('at a pause, decodes the whole buffer at once, past the throttle, and gives all of its text', async () => {
    const throttled = await WhisperEngine.create({ modelDir: FIXTURE, tokensPerSecond: 1, extraTokens: 2, minPartialIntervalMs: 60_000 });
    try {
      const stream = throttled.open('en') as WhisperEngineStream;
      await stream.write(speechLike(0.5));
      expect(await stream.partial()).toBe('');
      await stream.write(speechLike(0.5));
      const complete = await stream.partial({ complete: true });
      expect(stream.decodes).toHaveLength(2);
      expect(stream.decodes[1]!.audioSeconds).toBeCloseTo(1);
      expect(complete).toBe(stream.decodes[1]!.text.trim());
      // Nothing new since: asked again, it decodes nothing more.
      expect(await stream.partial({ complete: true })).toBe(complete);
      expect(stream.decodes).toHaveLength(2);
      stream.close();
    } finally {
      await throttled.close();
    }
  });

  it('does not decode again when no audio came since the last partial', async () => {
    const stream = engine.open('en') as WhisperEngineStream;
    await stream.write(speechLike(0.5));
    await stream.partial();
    await stream.partial();
    expect(stream.decodes).toHaveLength(1);
    stream.close();
  });

  it('throttles partials to one decode per interval', async () => {
    const throttled = await WhisperEngine.create({ modelDir: FIXTURE, tokensPerSecond: 1, extraTokens: 2, minPartialIntervalMs: 60_000 });
    try {
      const stream = throttled.open('fr') as WhisperEngineStream;
      await stream.write(speechLike(0.5));
      await stream.partial();
      await stream.write(speechLike(0.5));
      expect(await stream.partial()).toBe('');
      expect(stream.decodes).toHaveLength(1);
      await stream.finish();
      expect(stream.decodes).toHaveLength(2);
    } finally {
      await throttled.close();
    }
  });

  it('decodes an utterance longer than 30 s window by window', async () => {
    const stream = engine.open('de') as WhisperEngineStream;
    await stream.write(speechLike(31));
    expect(typeof (await stream.finish())).toBe('string');
    expect(stream.decodes.map((d) => Math.round(d.audioSeconds))).toEqual([30, 1]);
  });

  it('finishes an utterance that got no audio without decoding', async () => {
    const stream = engine.open('en') as WhisperEngineStream;
    expect(await stream.finish()).toBe('');
    expect(stream.decodes).toHaveLength(0);
  });

  it('refuses calls after finish and after close, with clear errors; close is idempotent', async () => {
    const finished = engine.open('en');
    await finished.write(speechLike(0.2));
    await finished.finish();
    await expect(finished.write(speechLike(0.1))).rejects.toThrow(/already been finished/);
    await expect(finished.partial()).rejects.toThrow(/already been finished/);
    finished.close();

    const closed = engine.open('en');
    closed.close();
    closed.close();
    await expect(closed.write(speechLike(0.1))).rejects.toThrow(/stream has been closed/);
    await expect(closed.partial()).rejects.toThrow(/stream has been closed/);
    await expect(closed.finish()).rejects.toThrow(/stream has been closed/);
  });

  it('rejects audio that is not 16-bit PCM', async () => {
    const stream = engine.open('en');
    await expect(stream.write(new Float32Array(10) as unknown as Int16Array)).rejects.toThrow(TypeError);
    stream.close();
  });

  it('fails with a sentence naming the pull command when the folder has no model', async () => {
    const missing = WhisperEngine.create({ modelDir: '/nonexistent/whisper-base', pullName: 'whisper-base' });
    await expect(missing).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(missing).rejects.toThrow(/npm run models -- pull whisper-base/);
  });

  it('closes idempotently; a closed engine refuses new streams and decodes', async () => {
    const other = await WhisperEngine.create({ modelDir: FIXTURE, tokensPerSecond: 1, extraTokens: 2 });
    const stream = other.open('en');
    await stream.write(speechLike(0.3));
    const first = other.decode(toFloat(speechLike(0.3)), 'en');
    await first;
    const queued = other.decode(toFloat(speechLike(0.3)), 'en');
    const closing = other.close();
    expect(other.close()).toBe(closing);
    await expect(queued).rejects.toThrow(/engine was closed before this decode ran/);
    await closing;
    expect(() => other.open('en')).toThrow(/engine has been closed/);
    await expect(other.decode(toFloat(speechLike(0.3)), 'en')).rejects.toThrow(/engine has been closed/);
    await expect(stream.finish()).rejects.toThrow(/engine has been closed/);
  });
});
