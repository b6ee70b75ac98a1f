import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LanguageCode } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, recordToFields } from '@parley/protocol/streams';
import type { SttEngine, SttStream } from './SttEngine.js';
import { SttWorker } from './SttWorker.js';

/** An English-only engine that records what it was asked to open. */
class EnglishOnlyEngine implements SttEngine {
  readonly name = 'english-only';
  readonly languages: readonly LanguageCode[] = ['en'];
  readonly opened: LanguageCode[] = [];
  open(lang: LanguageCode): SttStream {
    this.opened.push(lang);
    if (lang !== 'en') throw new RangeError('English only');
    return { write: async () => {}, partial: async () => '', finish: async () => 'hello', close: () => {} };
  }
  async close(): Promise<void> {}
}

describe('SttWorker and languages its engine does not serve', () => {
  let redis: Redis;
  let worker: SttWorker;
  const engine = new EnglishOnlyEngine();

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: 8 });
    await redis.flushdb();
    worker = new SttWorker({
      redis,
      engine,
      readableText: true,
      consumer: 'stt-languages-test',
      concurrency: 1,
      leaseMs: 600,
      interimIntervalSeconds: 0.5,
      maxQueueDepth: 100,
      log: pino({ level: 'silent' }),
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.close();
    redis.disconnect();
  });

  it('acks the utterance at once, sets it aside with the reason, and drops its audio', async () => {
    const utteranceId = 'spk-fr-1';
    await redis.xadd(REDIS_KEYS.utteranceAudio(utteranceId), '*', ...recordToFields({ seq: 0, final: true, endAtMs: 1, pcm: Buffer.alloc(320) }));
    await redis.xadd(
      REDIS_KEYS.sttAssign,
      '*',
      ...recordToFields({ utteranceId, room: 'lang-test', speakerId: 'p', speakerName: 'Zoé', srcLang: 'fr', targetLangs: ['fr', 'en'], startedAtMs: 1 }),
    );
    let dead: [string, string[]][] = [];
    while (!dead.length) {
      dead = await redis.xrange(REDIS_KEYS.deadLetter, '-', '+');
      await new Promise((r) => setTimeout(r, 20));
    }
    const reason = String(fieldsToRecord(dead[0]![1]).reason);
    expect(reason).toMatch(/no speech recognition engine here serves "fr" \(english-only serves en\)/);
    const pending = (await redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    while ((await redis.exists(REDIS_KEYS.utteranceAudio(utteranceId))) !== 0) await new Promise((r) => setTimeout(r, 20));
    expect(engine.opened).not.toContain('fr');
  });
});
