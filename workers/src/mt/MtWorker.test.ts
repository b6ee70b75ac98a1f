import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { captionSchema, type Caption } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, recordToFields, transcriptEntrySchema } from '@parley/protocol/streams';
import { ApertiumEngine } from './ApertiumEngine.js';
import type { MtEngine } from './MtEngine.js';
import { MtWorker } from './MtWorker.js';

const log = pino({ level: 'silent' });

function job(overrides: Record<string, string | number | string[]> = {}) {
  return recordToFields({
    utteranceId: 'peer-1',
    room: 'mt-test',
    speakerId: 'peer',
    speakerName: 'Alice',
    seq: 3,
    kind: 'final',
    srcLang: 'en',
    targetLangs: ['es'],
    text: 'he might even have been made amiable himself',
    sttEngine: 'pocketsphinx',
    audioEndAtMs: 1,
    ...overrides,
  });
}

describe('MtWorker (real Redis, real apertium-apy)', () => {
  let redis: Redis;
  let subscriber: Redis;
  let worker: MtWorker;
  const received: Caption[] = [];

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 1 });
    await redis.del(REDIS_KEYS.mtJobs, REDIS_KEYS.deadLetter, REDIS_KEYS.transcript);
    subscriber = redis.duplicate();
    subscriber.on('message', (_channel: string, message: string) => received.push(captionSchema.parse(JSON.parse(message))));
    await subscriber.subscribe(REDIS_KEYS.captions);
    const engine = await ApertiumEngine.connect({ url: inject('apertiumUrl') });
    worker = new MtWorker({ redis, engine, consumer: 'mt-test', log });
    await worker.start();
  });

  afterAll(async () => {
    await worker.close();
    subscriber.disconnect();
    redis.disconnect();
  });

  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((r) => setTimeout(r, 20));
  }

  it('publishes a Spanish caption and acknowledges the job', async () => {
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job());
    await until(() => received.some((c) => c.utteranceId === 'peer-1'));
    const caption = received.find((c) => c.utteranceId === 'peer-1')!;
    expect(caption).toMatchObject({ lang: 'es', sourceLang: 'en', kind: 'final', seq: 3, engine: 'pocketsphinx+apertium' });
    expect(caption.text).toMatch(/amable/);
    // The job is acked after its transcript entry is written, a moment after `translated` counts it.
    const acked = async () => ((await redis.xpending(REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt)) as [number, ...unknown[]])[0] === 0;
    for (let i = 0; i < 200 && !(await acked()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await acked()).toBe(true);
  });

  it('writes every final, with its translations, to the transcript stream; interims never', async () => {
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'peer-4', kind: 'interim', seq: 1 }));
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'peer-4', seq: 2, startedAtMs: 123 }));
    // Nobody reads another language: no translation, but the final is still kept.
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'peer-5', targetLangs: [], text: 'hello there' }));
    await until(() => worker.transcribed >= 2);
    const entries = (await redis.xrange(REDIS_KEYS.transcript, '-', '+')).map(([, fields]) => transcriptEntrySchema.parse(fieldsToRecord(fields)));
    const four = entries.filter((e) => e.utteranceId === 'peer-4');
    expect(four).toHaveLength(1);
    expect(four[0]).toMatchObject({ seq: 2, srcLang: 'en', startedAtMs: 123, sttEngine: 'pocketsphinx', mtEngines: { es: 'apertium' } });
    expect(four[0]!.translations.es).toMatch(/amable/);
    expect(entries.find((e) => e.utteranceId === 'peer-5')).toMatchObject({ text: 'hello there', translations: {}, mtEngines: {} });
  });

  it('sets a malformed job aside in the dead-letter stream and keeps working', async () => {
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'peer-2', srcLang: 'klingon' }));
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'peer-3' }));
    await until(() => received.some((c) => c.utteranceId === 'peer-3'));
    const dead = await redis.xrange(REDIS_KEYS.deadLetter, '-', '+');
    expect(dead.some(([, fields]) => fields.join(' ').includes('malformed mt job'))).toBe(true);
    expect(received.some((c) => c.utteranceId === 'peer-2')).toBe(false);
  });
});

describe('MtWorker translating several utterances at once (real Redis, real apertium-apy held back on one phrase)', () => {
  let redis: Redis;
  let subscriber: Redis;
  let worker: MtWorker;
  const received: Caption[] = [];
  let release!: () => void;
  let held = 0;
  const released = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 11 });
    await redis.del(REDIS_KEYS.mtJobs, REDIS_KEYS.deadLetter, REDIS_KEYS.transcript);
    subscriber = redis.duplicate();
    subscriber.on('message', (_channel: string, message: string) => received.push(captionSchema.parse(JSON.parse(message))));
    await subscriber.subscribe(REDIS_KEYS.captions);
    const apertium = await ApertiumEngine.connect({ url: inject('apertiumUrl') });
    // The engine is slow on one phrase (a long sentence, a busy server): held until the test lets it go.
    const engine: MtEngine = {
      name: apertium.name,
      supports: (from, to) => apertium.supports(from, to),
      translate: async (text, from, to) => {
        if (text.startsWith('the slow phrase')) {
          held += 1;
          await released;
        }
        return apertium.translate(text, from, to);
      },
      close: () => apertium.close(),
    };
    worker = new MtWorker({ redis, engine, consumer: 'mt-concurrent', log, concurrency: 4 });
    await worker.start();
  });

  afterAll(async () => {
    release();
    await worker.close();
    subscriber.disconnect();
    redis.disconnect();
  });

  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((r) => setTimeout(r, 20));
  }

  it("one utterance's slow translation holds neither another's final nor its own order; an overtaken interim is skipped", async () => {
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'slow', kind: 'interim', seq: 1, text: 'the slow phrase begins' }));
    await until(() => held === 1);
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'slow', kind: 'interim', seq: 2, text: 'the slow phrase begins here' }));
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'slow', kind: 'final', seq: 3, text: 'the slow phrase begins here today' }));
    await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job({ utteranceId: 'quick', kind: 'final', seq: 1, text: 'good morning' }));
    await until(() => received.some((c) => c.utteranceId === 'quick'));
    expect(received.filter((c) => c.utteranceId === 'slow')).toEqual([]);

    release();
    await until(() => received.some((c) => c.utteranceId === 'slow' && c.kind === 'final'));
    const slow = received.filter((c) => c.utteranceId === 'slow').map((c) => c.seq);
    // seq 1 was in the engine when the final came; seq 2 was still waiting, and readers would have replaced it at once.
    expect(slow).toEqual([1, 3]);
    expect(worker.superseded).toBe(1);
    expect(held).toBe(2);
    expect(received.find((c) => c.utteranceId === 'quick')!.text).toMatch(/buenos/i);
  });
});
