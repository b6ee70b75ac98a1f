import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Caption } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, recordToFields, transcriptEntrySchema } from '@parley/protocol/streams';
import { CaptionTail } from '../../../scripts/lib/test-support/CaptionTail.js';
import { ApertiumEngine } from './ApertiumEngine.js';
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
  let tail: CaptionTail;
  let worker: MtWorker;
  let received: Caption[] = [];

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 1 });
    await redis.del(REDIS_KEYS.mtJobs, REDIS_KEYS.deadLetter, REDIS_KEYS.transcript, REDIS_KEYS.captions);
    tail = new CaptionTail(redis);
    received = tail.captions;
    const engine = await ApertiumEngine.connect({ url: inject('apertiumUrl') });
    worker = new MtWorker({ redis, engine, consumer: 'mt-test', log });
    await worker.start();
  });

  afterAll(async () => {
    await worker.close();
    await tail.close();
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
