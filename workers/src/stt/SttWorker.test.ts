import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Caption } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, recordToFields } from '@parley/protocol/streams';
import { CaptionTail } from '../../../scripts/lib/test-support/CaptionTail.js';
import { loadNameLexicon } from '../text/properNouns.js';
import { readWav } from '../wav.js';
import { PocketsphinxEngine } from './PocketsphinxEngine.js';
import { SttWorker, type SttWorkerOptions } from './SttWorker.js';

const CLIP = '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';
const NAMES_CLIP = '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav';
const CHUNK_SAMPLES = 8_000;

describe('SttWorker (real Redis, real pocketsphinx)', () => {
  let redis: Redis;
  let tail: CaptionTail;
  let engine: PocketsphinxEngine;
  let clipSamples: Int16Array;
  let captions: Caption[] = [];
  let utteranceCount = 0;

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 2 });
    tail = new CaptionTail(redis);
    captions = tail.captions;
    engine = await PocketsphinxEngine.create({ poolSize: 2 });
    clipSamples = (await readWav(CLIP)).samples;
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  afterAll(async () => {
    await engine.close();
    await tail.close();
    redis.disconnect();
  });

  function worker(overrides: Partial<SttWorkerOptions> = {}): SttWorker {
    return new SttWorker({
      redis,
      engine,
      readableText: true,
      consumer: `stt-test-${Math.random()}`,
      concurrency: 2,
      leaseMs: 600,
      interimIntervalSeconds: 0.5,
      maxQueueDepth: 100,
      log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
      ...overrides,
    });
  }

  /** Writes an utterance as the sfu does: its chunks, and an assignment with the first. */
  async function speak(targetLangs: string[], options: { chunkDelayMs?: number; corruptSeq?: number; clip?: Int16Array; names?: string[] } = {}): Promise<string> {
    const samples = options.clip ?? clipSamples;
    utteranceCount += 1;
    const utteranceId = `spk-${Date.now()}-${utteranceCount}`;
    const key = REDIS_KEYS.utteranceAudio(utteranceId);
    const chunks = Math.ceil(samples.length / CHUNK_SAMPLES);
    for (let seq = 0; seq < chunks; seq++) {
      const part = samples.subarray(seq * CHUNK_SAMPLES, (seq + 1) * CHUNK_SAMPLES);
      const pcm = seq === options.corruptSeq ? Buffer.from([1, 2, 3]) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      await redis.xadd(key, '*', ...recordToFields({ seq, final: seq === chunks - 1, endAtMs: Date.now(), pcm }));
      if (seq === 0) {
        await redis.xadd(REDIS_KEYS.sttAssign, '*', ...recordToFields({
          utteranceId, room: 'stt-test', speakerId: 'spk', speakerName: 'Sam', srcLang: 'en', targetLangs, startedAtMs: Date.now(), names: options.names ?? [],
        }));
      }
      if (options.chunkDelayMs) await new Promise((r) => setTimeout(r, options.chunkDelayMs));
    }
    return utteranceId;
  }

  async function until<T>(what: string, get: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await get();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('emits interims while audio arrives, then one final; acks and deletes the utterance audio', async () => {
    const w = worker();
    await w.start();
    const id = await speak(['en', 'es'], { chunkDelayMs: 150 });
    const final = await until('the final', () => captions.find((c) => c.utteranceId === id && c.kind === 'final'));
    const mine = captions.filter((c) => c.utteranceId === id);
    expect(mine.filter((c) => c.kind === 'interim').length).toBeGreaterThan(0);
    expect(mine.indexOf(final)).toBe(mine.length - 1);
    expect(final.text).toMatch(/ill disposed|young man/i);
    const mtJobs = await redis.xrange(REDIS_KEYS.mtJobs, '-', '+');
    const kinds = mtJobs.map(([, f]) => String(fieldsToRecord(f).kind));
    expect(kinds.at(-1)).toBe('final');
    expect(mtJobs.every(([, f]) => String(fieldsToRecord(f).targetLangs) === 'es')).toBe(true);
    await until('the ack', async () => ((await redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt)) as [number])[0] === 0);
    expect(await redis.exists(REDIS_KEYS.utteranceAudio(id))).toBe(0);
    await w.close();
  });

  it('writes the names it is given with their capitals, in interims and in the final', async () => {
    const w = worker({ names: { names: new Map([['man', 'Man']]), common: new Set() } });
    await w.start();
    const id = await speak(['en'], { chunkDelayMs: 150 });
    const final = await until('the final', () => captions.find((c) => c.utteranceId === id && c.kind === 'final'));
    expect(final.text).toMatch(/young Man\.$/);
    expect(captions.filter((c) => c.utteranceId === id).some((c) => /\bman\b/.test(c.text))).toBe(false);
    await w.close();
  });

  it('writes the names of the people in the room with their capitals, but not common words that are someone\'s name', async () => {
    const names = await loadNameLexicon(() => engine.vocabulary(), { info: () => undefined, warn: () => undefined });
    const w = worker({ names });
    await w.start();
    const clip = (await readWav(NAMES_CLIP)).samples;
    // "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them"
    const plain = await speak(['en'], { clip });
    const withRoom = await speak(['en'], { clip, names: ['John', 'dashwood', 'Power', 'Much'] });
    const finalOf = (id: string) => until('the final', () => captions.find((c) => c.utteranceId === id && c.kind === 'final'));
    const before = (await finalOf(plain)).text;
    const after = (await finalOf(withRoom)).text;
    expect(before).toMatch(/\bMr\. John dashwood\b/);
    expect(after).toMatch(/\bMr\. John Dashwood\b/);
    // "much" and "power" are English words, whoever is called so.
    expect(after).toMatch(/\b(much|power)\b/);
    expect(after).not.toMatch(/\b(Much|Power)\b/);
    await w.close();
  });

  it('sheds interims when it is behind (all audio already waiting) but never the final', async () => {
    const id = await speak(['en']);
    const w = worker();
    await w.start();
    await until('the final', () => captions.find((c) => c.utteranceId === id && c.kind === 'final'));
    expect(captions.filter((c) => c.utteranceId === id && c.kind === 'interim')).toHaveLength(0);
    await w.close();
  });

  it('skips interim translations while the mt backlog is over MAX_QUEUE_DEPTH, never final ones', async () => {
    await redis.xgroup('CREATE', REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt, '$', 'MKSTREAM');
    for (let i = 0; i < 5; i++) await redis.xadd(REDIS_KEYS.mtJobs, '*', 'backlog', String(i));
    const w = worker({ maxQueueDepth: 2 });
    await w.start();
    const id = await speak(['en', 'es'], { chunkDelayMs: 150 });
    await until('the final', () => captions.find((c) => c.utteranceId === id && c.kind === 'final'));
    expect(captions.some((c) => c.utteranceId === id && c.kind === 'interim')).toBe(true);
    const jobs = (await redis.xrange(REDIS_KEYS.mtJobs, '-', '+')).map(([, f]) => fieldsToRecord(f)).filter((f) => String(f.utteranceId) === id);
    expect(jobs.map((j) => String(j.kind))).toEqual(['final']);
    await w.close();
  });

  it('sets an utterance that keeps failing aside in the dead-letter stream, with the reason', async () => {
    const w = worker({ maxDeliveries: 2 });
    await w.start();
    const id = await speak(['en'], { corruptSeq: 1 });
    const dead = await until('a dead letter', async () => {
      const entries = await redis.xrange(REDIS_KEYS.deadLetter, '-', '+');
      return entries.find(([, f]) => String(fieldsToRecord(f).reason).includes(id));
    });
    expect(String(fieldsToRecord(dead[1]).reason)).toMatch(/failed \d+ times; last: malformed audio chunk|delivered \d+ times/);
    await until('the ack', async () => ((await redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt)) as [number])[0] === 0);
    expect(captions.some((c) => c.utteranceId === id && c.kind === 'final')).toBe(false);
    await w.close();
  });

  it('sets a malformed assignment aside at once', async () => {
    const w = worker();
    await w.start();
    await redis.xadd(REDIS_KEYS.sttAssign, '*', 'utteranceId', 'x y z', 'room', '');
    const dead = await until('a dead letter', async () => (await redis.xrange(REDIS_KEYS.deadLetter, '-', '+'))[0]);
    expect(String(fieldsToRecord(dead[1]).reason)).toMatch(/malformed assignment/);
    await w.close();
  });
});
