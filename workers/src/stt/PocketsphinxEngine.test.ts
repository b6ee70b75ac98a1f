import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../wav.js';
import { PocketsphinxEngine, loadPocketsphinxAddon, type PocketsphinxDecoder } from './PocketsphinxEngine.js';
import { PocketsphinxEngineStream } from './PocketsphinxEngineStream.js';
import { wordErrorRate } from './wer.js';

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const MODEL = { hmm: join(MODEL_DIR, 'en-us'), lm: join(MODEL_DIR, 'en-us.lm.bin'), dict: join(MODEL_DIR, 'cmudict-en-us.dict') };
/** The engine's own search settings (PocketsphinxEngine's default). */
const ENGINE_MODEL = { ...MODEL, search: { '-fwdflat': 'no' } };
const HALF_SECOND = 8_000;

interface Clip {
  samples: Int16Array;
  reference: string;
}

async function loadClip(id: string): Promise<Clip> {
  const wav = await readWav(join(LIBRIVOX, `sense_and_sensibility_01_austen_64kb-${id}.wav`));
  expect(wav).toMatchObject({ sampleRateHz: 16_000, channels: 1 });
  // Lines look like "<s> words ... </s> (sense_and_sensibility_01_austen_64kb-0920)".
  const transcription = await readFile(join(LIBRIVOX, 'transcription'), 'utf8');
  const line = transcription.split('\n').find((l) => l.includes(`-${id})`));
  if (!line) throw new Error(`no transcription for clip ${id}`);
  const reference = line.replace(/\([^)]*\)\s*$/, '').replace(/<\/?s>/g, '').trim();
  return { samples: wav.samples, reference };
}

function chunks(samples: Int16Array, size = HALF_SECOND): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < samples.length; i += size) out.push(samples.subarray(i, i + size));
  return out;
}

/** The middle of the quietest 0.2 s between two fractions of the clip. */
function quietestPoint(samples: Int16Array, from: number, to: number): number {
  const window = 3_200;
  let best = { at: 0, energy: Infinity };
  for (let start = Math.floor(samples.length * from); start + window <= samples.length * to; start += 160) {
    let energy = 0;
    for (let i = start; i < start + window; i++) energy += samples[i]! * samples[i]!;
    if (energy < best.energy) best = { at: start + window / 2, energy };
  }
  return best.at;
}

/** Lets every already-settled promise callback and I/O callback run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let clip0920: Clip;
let clip0870: Clip;

beforeAll(async () => {
  [clip0920, clip0870] = await Promise.all([loadClip('0920'), loadClip('0870')]);
});

describe('PocketsphinxEngine', () => {
  let engine: PocketsphinxEngine;
  beforeAll(async () => {
    engine = await PocketsphinxEngine.create({ poolSize: 2 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('is an English engine, built to give the text of the final at a pause', () => {
    expect(engine.name).toBe('pocketsphinx');
    expect(engine.languages).toEqual(['en']);
    // setup builds the addon with pocketsphinx's source headers (internal-headers.mjs); without them rescore() is missing.
    expect(engine.canRescore).toBe(true);
  });

  it('recognises a clip streamed in 0.5 s chunks, with partial results before finish', async () => {
    const stream = engine.open('en');
    const partials: string[] = [];
    for (const chunk of chunks(clip0920.samples)) {
      await stream.write(chunk);
      partials.push(await stream.partial());
    }
    const text = await stream.finish();
    stream.close();

    expect(partials.filter((p) => p.length > 0).length).toBeGreaterThan(0);
    expect(partials.at(-1)).not.toBe('');
    expect(text).not.toBe('');
    expect(wordErrorRate(clip0920.reference, text)).toBeLessThanOrEqual(0.5);
  });

  it('a complete partial at a pause is the final when the phrase ends there, at once and word for word', async () => {
    const stream = engine.open('en');
    for (const chunk of chunks(clip0920.samples)) await stream.write(chunk);
    const atPause = await stream.partial({ complete: true });
    const words = stream.words!();
    const final = await stream.finish();
    stream.close();
    expect(atPause).not.toBe('');
    expect(final).toBe(atPause);
    expect(stream.words!()).toEqual(words);
    expect(wordErrorRate(clip0920.reference, final)).toBeLessThanOrEqual(0.5);
  });

  it('goes on as one utterance when the speaker continues after a complete partial, decoding nothing twice', async () => {
    // Two fresh decoders, alike: one hears the phrase straight through, the other is asked for the complete text at a pause.
    const addon = loadPocketsphinxAddon();
    const [straightDecoder, pausedDecoder] = await Promise.all([addon.Decoder.create(ENGINE_MODEL), addon.Decoder.create(ENGINE_MODEL)]);
    let samplesDecoded = 0;
    const counting = new Proxy(pausedDecoder, {
      get(target, key) {
        if (key === 'processRaw') return (samples: Int16Array) => ((samplesDecoded += samples.length), target.processRaw(samples));
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const lend = (decoder: PocketsphinxDecoder) => new PocketsphinxEngineStream({ acquire: async () => decoder, release: () => {}, isClosed: () => false });
    try {
      expect(pausedDecoder.canRescore).toBe(true);
      const parts = chunks(clip0870.samples, 1_600);
      const straight = lend(straightDecoder);
      for (const chunk of parts) await straight.write(chunk);
      const straightText = await straight.finish();

      // Paused in the clip's quietest 0.2 s (in its middle half), as the sfu's pause hint pauses.
      const middle = Math.ceil(quietestPoint(clip0870.samples, 0.25, 0.75) / 1_600);
      const paused = lend(counting);
      for (const chunk of parts.slice(0, middle)) await paused.write(chunk);
      const atPause = await paused.partial({ complete: true });
      for (const chunk of parts.slice(middle)) await paused.write(chunk);
      const pausedText = await paused.finish();

      expect(atPause).not.toBe('');
      expect(atPause.split(' ').length).toBeLessThan(pausedText.split(' ').length);
      // The complete text at the pause changed nothing in the decoding that went on.
      expect(pausedText).toBe(straightText);
      expect(samplesDecoded).toBe(clip0870.samples.length);
    } finally {
      straightDecoder.free();
      pausedDecoder.free();
    }
  });

  it('rescores at a pause to the text that ending the utterance there gives, with the same word times', async () => {
    // The phrase with a quarter second of near-silence after it, as at the sfu's pause hint: one decoder is asked
    // for the complete text and goes on, another alike ends its utterance there.
    const addon = loadPocketsphinxAddon();
    const [a, b] = await Promise.all([addon.Decoder.create(ENGINE_MODEL), addon.Decoder.create(ENGINE_MODEL)]);
    try {
      for (const clip of [clip0920, clip0870]) {
        const audio = new Int16Array(clip.samples.length + 4_000);
        audio.set(clip.samples);
        for (let i = clip.samples.length; i < audio.length; i++) audio[i] = (i * 7919) % 21 - 10;
        a.startUtt();
        b.startUtt();
        for (const chunk of chunks(audio, 1_600)) {
          await a.processRaw(chunk);
          await b.processRaw(chunk);
        }
        const rescored = await a.rescore();
        const ended = await b.endUtt();
        expect(rescored.text).not.toBe('');
        expect(rescored.text).toBe(ended);
        // Word for word and frame for frame; only </s> ends later after endUtt, which searches the last few frames.
        const spoken = (segments: { word: string }[]) => segments.filter((w) => !/^(<.*>|\[.*\])$/.test(w.word));
        expect(spoken(rescored.segments)).toEqual(spoken(b.segments()));
        await a.endUtt();
      }
    } finally {
      a.free();
      b.free();
    }
  });

  it('gives the words of each partial and of the final with their times, fillers and pauses left out', async () => {
    const stream = engine.open('en');
    expect(stream.words!()).toBeUndefined();
    for (const chunk of chunks(clip0920.samples).slice(0, 4)) await stream.write(chunk);
    const partial = await stream.partial();
    expect(stream.words!()!.map((w) => w.text.replace(/\(\d+\)$/, '')).join(' ')).toBe(partial);
    for (const chunk of chunks(clip0920.samples).slice(4)) await stream.write(chunk);
    const text = await stream.finish();
    const words = stream.words!()!;
    expect(words.map((w) => w.text.replace(/\(\d+\)$/, '')).join(' ')).toBe(text);
    // In order, not overlapping, within the clip (timed from the utterance's start, whichever decoder of the pool it got).
    const seconds = clip0920.samples.length / 16_000;
    for (const [i, w] of words.entries()) {
      expect(w.endSeconds).toBeGreaterThan(w.startSeconds);
      expect(w.endSeconds).toBeLessThanOrEqual(seconds + 0.05);
      if (i > 0) expect(w.startSeconds).toBeGreaterThanOrEqual(words[i - 1]!.endSeconds);
    }
  });

  it('decodes two utterances at the same time', async () => {
    const a = engine.open('en');
    const b = engine.open('en');
    const aChunks = chunks(clip0920.samples);
    const bChunks = chunks(clip0870.samples);
    // Lockstep writes keep both utterances open together, each on its own pooled decoder.
    for (let i = 0; i < Math.max(aChunks.length, bChunks.length); i++) {
      const aChunk = aChunks[i];
      const bChunk = bChunks[i];
      await Promise.all([aChunk && a.write(aChunk), bChunk && b.write(bChunk)]);
    }
    const [aText, bText] = await Promise.all([a.finish(), b.finish()]);
    expect(wordErrorRate(clip0920.reference, aText)).toBeLessThanOrEqual(0.5);
    expect(wordErrorRate(clip0870.reference, bText)).toBeLessThanOrEqual(0.5);
  });

  it('serialises calls a caller does not await', async () => {
    const stream = engine.open('en');
    const pending: Promise<unknown>[] = [];
    for (const chunk of chunks(clip0920.samples)) {
      pending.push(stream.write(chunk), stream.partial());
    }
    const text = stream.finish();
    await Promise.all(pending);
    expect(wordErrorRate(clip0920.reference, await text)).toBeLessThanOrEqual(0.5);
  });

  it('keeps the event loop running during a long decode', async () => {
    const stream = engine.open('en');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // The whole clip in one write is hundreds of milliseconds of decoding. Were it done on this
      // thread, the write would settle without the timer ever getting a turn.
      const before = ticks;
      await stream.write(clip0920.samples);
      const duringWrite = ticks - before;
      const beforeFinish = ticks;
      await stream.finish();
      const duringFinish = ticks - beforeFinish;
      expect(duringWrite).toBeGreaterThan(0);
      expect(duringWrite + duringFinish).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });

  it('returns empty text for an utterance without audio', async () => {
    const stream = engine.open('en');
    await stream.write(new Int16Array(0));
    expect(await stream.partial()).toBe('');
    expect(await stream.finish()).toBe('');
  });

  it('refuses calls after finish', async () => {
    const stream = engine.open('en');
    await stream.write(clip0920.samples.subarray(0, HALF_SECOND));
    await stream.finish();
    await expect(stream.write(new Int16Array(10))).rejects.toThrow(/already been finished/);
    await expect(stream.partial()).rejects.toThrow(/already been finished/);
    await expect(stream.finish()).rejects.toThrow(/already been finished/);
    stream.close();
    stream.close();
  });

  it('refuses calls after close, including ones queued before it', async () => {
    const stream = engine.open('en');
    const running = stream.write(clip0920.samples.subarray(0, 4 * HALF_SECOND));
    await settle();
    const queued = stream.write(clip0920.samples.subarray(4 * HALF_SECOND, 5 * HALF_SECOND));
    stream.close();
    stream.close();
    await expect(running).resolves.toBeUndefined();
    await expect(queued).rejects.toThrow(/closed before this call ran/);
    await expect(stream.write(new Int16Array(10))).rejects.toThrow(/stream has been closed/);
    await expect(stream.partial()).rejects.toThrow(/stream has been closed/);
    await expect(stream.finish()).rejects.toThrow(/stream has been closed/);
  });

  it('rejects bad arguments with clear errors', async () => {
    expect(() => engine.open('fr')).toThrow(RangeError);
    expect(() => engine.open('fr')).toThrow(/only English \("en"\), not "fr"/);
    const stream = engine.open('en');
    await expect(stream.write(new Float32Array(4) as unknown as Int16Array)).rejects.toThrow(TypeError);
    await expect(stream.write([1, 2, 3] as unknown as Int16Array)).rejects.toThrow(/must be an Int16Array/);
    stream.close();
    await expect(PocketsphinxEngine.create({ poolSize: 0 })).rejects.toThrow(TypeError);
    await expect(PocketsphinxEngine.create({ poolSize: 1.5 })).rejects.toThrow(/poolSize must be a positive integer/);
    await expect(PocketsphinxEngine.create({ poolSize: 1, dict: '/nonexistent/words.dict' })).rejects.toThrow(
      'pocketsphinx could not load its English model: pronunciation dictionary /nonexistent/words.dict does not exist',
    );
  });
});

describe('PocketsphinxEngine with more streams than decoders', () => {
  let engine: PocketsphinxEngine;
  beforeAll(async () => {
    engine = await PocketsphinxEngine.create({ poolSize: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('queues a stream until a decoder comes back', async () => {
    const first = engine.open('en');
    const second = engine.open('en');
    await first.write(clip0870.samples.subarray(0, HALF_SECOND));
    let secondWritten = false;
    const secondWrite = second.write(clip0920.samples).then(() => (secondWritten = true));
    await settle();
    await first.partial();
    await settle();
    expect(secondWritten).toBe(false);
    await first.finish();
    await secondWrite;
    expect(wordErrorRate(clip0920.reference, await second.finish())).toBeLessThanOrEqual(0.5);
  });

  it('returns the decoder of a closed stream to the pool', async () => {
    const abandoned = engine.open('en');
    await abandoned.write(clip0870.samples);
    abandoned.close();
    // With a pool of one this only completes if the abandoned utterance gave its decoder back.
    const next = engine.open('en');
    for (const chunk of chunks(clip0920.samples)) await next.write(chunk);
    expect(wordErrorRate(clip0920.reference, await next.finish())).toBeLessThanOrEqual(0.5);
  });

  it('refuses work once closed, and closes idempotently', async () => {
    const local = await PocketsphinxEngine.create({ poolSize: 1 });
    const midway = local.open('en');
    await midway.write(clip0920.samples.subarray(0, HALF_SECOND));
    const waiting = local.open('en');
    const waitingWrite = waiting.write(clip0920.samples.subarray(0, HALF_SECOND));
    await settle();
    await local.close();
    await local.close();
    expect(() => local.open('en')).toThrow(/engine has been closed/);
    await expect(waitingWrite).rejects.toThrow(/engine was closed before a decoder became free/);
    await expect(midway.write(clip0920.samples.subarray(HALF_SECOND, 2 * HALF_SECOND))).rejects.toThrow(
      /engine was closed while this utterance was being recognised/,
    );
    midway.close();
  });
});

describe('pocketsphinx native decoder', () => {
  const addon = loadPocketsphinxAddon();
  let decoder: PocketsphinxDecoder;
  beforeAll(async () => {
    decoder = await addon.Decoder.create(MODEL);
  });
  afterAll(() => {
    decoder?.free();
  });

  it('says how to build it when it is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'parley-addon-'));
    try {
      expect(() => loadPocketsphinxAddon(empty)).toThrow(/has not been built .* Run `npm run setup` to build it\./);
    } finally {
      await rm(empty, { recursive: true });
    }
  });

  it('throws TypeError for bad arguments instead of crashing', () => {
    const create = addon.Decoder.create as (options: unknown) => Promise<PocketsphinxDecoder>;
    expect(() => create(undefined)).toThrow(TypeError);
    expect(() => create(null)).toThrow(/options must be an object/);
    expect(() => create({ ...MODEL, hmm: '' })).toThrow(/options.hmm must be a non-empty path string/);
    expect(() => create({ ...MODEL, dict: 42 })).toThrow(/options.dict must be a non-empty path string/);
    expect(() => create({ ...MODEL, sampleRate: 'fast' })).toThrow(/options.sampleRate must be an integer/);
    expect(() => create({ ...MODEL, sampleRate: 16_000.5 })).toThrow(TypeError);
    const Constructor = addon.Decoder as unknown as new () => unknown;
    expect(() => new Constructor()).toThrow(/use Decoder.create/);
    const processRaw = decoder.processRaw.bind(decoder) as (samples: unknown) => Promise<number>;
    expect(() => processRaw(undefined)).toThrow(TypeError);
    expect(() => processRaw(new Uint8Array(4))).toThrow(/samples must be an Int16Array/);
    expect(() => processRaw(new Float32Array(4))).toThrow(/samples must be an Int16Array/);
    expect(() => decoder.partial.call({})).toThrow(TypeError);
  });

  it('rejects a model that is not there', async () => {
    await expect(addon.Decoder.create({ ...MODEL, hmm: '/nonexistent' })).rejects.toMatchObject({
      code: 'ERR_MODEL_LOAD',
      message: expect.stringMatching(/acoustic model directory \/nonexistent does not exist/),
    });
    await expect(addon.Decoder.create({ ...MODEL, lm: MODEL.dict })).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD' });
  });

  it('requires an utterance to be started', async () => {
    await expect(decoder.processRaw(new Int16Array(10))).rejects.toMatchObject({ code: 'ERR_NO_UTTERANCE' });
    await expect(decoder.endUtt()).rejects.toMatchObject({ code: 'ERR_NO_UTTERANCE' });
    await expect(decoder.rescore()).rejects.toMatchObject({ code: 'ERR_NO_UTTERANCE' });
    expect(() => decoder.partial()).toThrow(/no utterance in progress; call startUtt\(\) first/);
    decoder.startUtt();
    expect(() => decoder.startUtt()).toThrow(expect.objectContaining({ code: 'ERR_UTTERANCE_ACTIVE' }));
    // Nothing heard yet: no lattice, no words.
    expect(await decoder.rescore()).toEqual({ text: '', segments: [] });
    expect(await decoder.endUtt()).toBe('');
  });

  it('rejects overlapping calls on one decoder', async () => {
    decoder.startUtt();
    const running = decoder.processRaw(clip0920.samples);
    expect(decoder.busy).toBe(true);
    await expect(decoder.processRaw(new Int16Array(10))).rejects.toMatchObject({
      code: 'ERR_DECODER_BUSY',
      message: expect.stringContaining('processRaw() is still running'),
    });
    await expect(decoder.endUtt()).rejects.toMatchObject({ code: 'ERR_DECODER_BUSY' });
    await expect(decoder.rescore()).rejects.toMatchObject({ code: 'ERR_DECODER_BUSY' });
    expect(() => decoder.partial()).toThrow(expect.objectContaining({ code: 'ERR_DECODER_BUSY' }));
    expect(() => decoder.startUtt()).toThrow(expect.objectContaining({ code: 'ERR_DECODER_BUSY' }));
    expect(await running).toBeGreaterThan(0);
    expect(decoder.busy).toBe(false);
    expect(wordErrorRate(clip0920.reference, await decoder.endUtt())).toBeLessThanOrEqual(0.5);
  });

  it('decodes its own copy of the samples', async () => {
    decoder.startUtt();
    for (const view of chunks(clip0920.samples)) {
      const chunk = view.slice();
      const processing = decoder.processRaw(chunk);
      // Silence written into the caller's buffer must not reach the decoder.
      chunk.fill(0);
      await processing;
    }
    expect(wordErrorRate(clip0920.reference, await decoder.endUtt())).toBeLessThanOrEqual(0.5);
  });

  it('lets a call in flight finish when freed, then refuses everything', async () => {
    const doomed = await addon.Decoder.create(MODEL);
    doomed.startUtt();
    const running = doomed.processRaw(clip0920.samples);
    doomed.free();
    expect(doomed.freed).toBe(true);
    await expect(running).resolves.toBeGreaterThan(0);
    expect(doomed.busy).toBe(false);
    doomed.free();
    expect(() => doomed.startUtt()).toThrow(expect.objectContaining({ code: 'ERR_DECODER_FREED' }));
    expect(() => doomed.partial()).toThrow(/the decoder has been freed/);
    await expect(doomed.processRaw(new Int16Array(10))).rejects.toMatchObject({ code: 'ERR_DECODER_FREED' });
    await expect(doomed.endUtt()).rejects.toMatchObject({ code: 'ERR_DECODER_FREED' });
  });
});

describe('PocketsphinxEngine search settings', () => {
  it('refuses flags that are not search flags, with a sentence', async () => {
    await expect(PocketsphinxEngine.create({ poolSize: 1, search: { '-logfn': '/tmp/x' } })).rejects.toThrow(/not an allowed search flag/);
    await expect(PocketsphinxEngine.create({ poolSize: 1, search: { '-maxhmmpf': 3000 as unknown as string } })).rejects.toThrow(/not an allowed search flag/);
  });
});
