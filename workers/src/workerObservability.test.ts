import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REDIS_KEYS, recordToFields } from '@parley/protocol/streams';
import { ChildProcess } from '../../scripts/lib/ChildProcess.js';
import { freePort, httpOk, waitFor } from '../../scripts/lib/freePort.js';
import { timedMtEngine, timedSttEngine } from './metrics/timedEngines.js';
import { WorkerMetrics } from './metrics/WorkerMetrics.js';
import { ApertiumEngine } from './mt/ApertiumEngine.js';
import { MtWorker } from './mt/MtWorker.js';
import { PocketsphinxEngine } from './stt/PocketsphinxEngine.js';
import { SttWorker } from './stt/SttWorker.js';
import { readWav } from './wav.js';

const CLIP = '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';
const CHUNK_SAMPLES = 8_000;
/** A database of its own: these tests write the real stream keys. */
const DB = 16;

type LogLine = Record<string, unknown> & { msg: string };

/** A logger whose every line is kept, parsed, for the test to read. */
function capturingLogger(lines: LogLine[]) {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
}

/** Every line that speaks of the utterance (anywhere in it) must carry its id as `utteranceId`. */
function expectUtteranceIdOnEveryLine(lines: LogLine[], utteranceId: string): void {
  const about = lines.filter((l) => JSON.stringify(l).includes(utteranceId));
  expect(about.length).toBeGreaterThan(0);
  for (const line of about) expect(line, line.msg).toMatchObject({ utteranceId });
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function until<T>(what: string, get: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('worker logs and metrics along an utterance (real Redis, pocketsphinx, apertium-apy)', () => {
  let redis: Redis;
  let samples: Int16Array;

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { db: DB });
    await redis.flushdb();
    samples = (await readWav(CLIP)).samples;
  });
  afterAll(() => redis.disconnect());

  async function speak(utteranceId: string, options: { corruptSeq?: number } = {}): Promise<void> {
    const chunks = Math.ceil(samples.length / CHUNK_SAMPLES);
    for (let seq = 0; seq < chunks; seq++) {
      const part = samples.subarray(seq * CHUNK_SAMPLES, (seq + 1) * CHUNK_SAMPLES);
      const pcm = seq === options.corruptSeq ? Buffer.from([1, 2, 3]) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      await redis.xadd(REDIS_KEYS.utteranceAudio(utteranceId), '*', ...recordToFields({ seq, final: seq === chunks - 1, endAtMs: Date.now(), pcm }));
      if (seq === 0) {
        await redis.xadd(REDIS_KEYS.sttAssign, '*', ...recordToFields({ utteranceId, room: 'obs-test', speakerId: 'spk', speakerName: 'Sam', srcLang: 'en', targetLangs: ['en'], startedAtMs: Date.now() }));
      }
    }
  }

  it('stt: a decoded utterance is measured; one that keeps failing is logged with its id at every step', async () => {
    const lines: LogLine[] = [];
    const metrics = new WorkerMetrics({ kind: 'stt', redis });
    const engine = await PocketsphinxEngine.create({ poolSize: 1 });
    const worker = new SttWorker({
      redis,
      engine: timedSttEngine(engine, metrics),
      readableText: true,
      consumer: 'obs-stt',
      concurrency: 1,
      leaseMs: 600,
      interimIntervalSeconds: 0.5,
      maxQueueDepth: 100,
      maxDeliveries: 2,
      log: capturingLogger(lines),
      metrics,
    });
    try {
      // All audio is waiting before the worker starts: interims are shed, the final is made.
      await speak('obs-good');
      await worker.start();
      // `finals` counts a text when recognised; the caption is published a moment later.
      await until('the final caption', async () => sample(await metrics.registry.metrics(), 'parley_caption_latency_seconds_count{kind="final"}') === 1);
      let text = await metrics.registry.metrics();
      expect(sample(text, 'parley_interims_shed_total{reason="decoder_behind"}')).toBeGreaterThan(0);
      expect(sample(text, 'parley_stage_duration_seconds_count{stage="stt_decode"}')).toBe(1);
      expect(sample(text, 'parley_stage_duration_seconds_count{stage="stt_queue"}')).toBe(1);
      expect(sample(text, 'parley_caption_latency_seconds_count{kind="final"}')).toBe(1);
      expect(sample(text, 'parley_engine_duration_seconds_count{engine="pocketsphinx",operation="finish"}')).toBe(1);

      await speak('obs-bad', { corruptSeq: 1 });
      await until('the dead letter', async () => sample(await metrics.registry.metrics(), `parley_dead_letters_total{stream="${REDIS_KEYS.sttAssign}"}`) === 1);
      text = await metrics.registry.metrics();
      expect(lines.some((l) => l.msg === 'assignment failed; it will be retried after the lease')).toBe(true);
      expect(lines.some((l) => l.msg === 'took over an assignment from a stalled consumer')).toBe(true);
      expectUtteranceIdOnEveryLine(lines, 'obs-bad');
    } finally {
      await worker.close();
      await engine.close();
    }
  });

  it('mt: translations are measured; failures that retry and jobs set aside are logged with the utterance id', async () => {
    const port = await freePort();
    const apy = new ChildProcess({ name: 'apertium', command: 'apertium-apy', args: ['-p', String(port), '/usr/share/apertium/modes'] });
    const lines: LogLine[] = [];
    const metrics = new WorkerMetrics({ kind: 'mt', redis });
    let worker: MtWorker | undefined;
    await redis.del(REDIS_KEYS.mtJobs); // the stt test's final is queued there
    try {
      await waitFor('apertium-apy', () => httpOk(`http://127.0.0.1:${port}/listPairs`), 30_000, () => apy.deathReason);
      const engine = await ApertiumEngine.connect({ url: `http://127.0.0.1:${port}` });
      worker = new MtWorker({ redis, engine: timedMtEngine(engine, metrics), consumer: 'obs-mt', log: capturingLogger(lines), claimIdleMs: 300, maxDeliveries: 2, metrics });
      await worker.start();
      const job = (utteranceId: string, targetLangs: string[]) =>
        recordToFields({ utteranceId, room: 'obs-test', speakerId: 'spk', speakerName: 'Sam', seq: 1, kind: 'final', srcLang: 'en', targetLangs, text: 'the house is big', sttEngine: 'pocketsphinx', audioEndAtMs: Date.now() - 300 });

      await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job('obs-es', ['es']));
      // The stage is recorded last, once the job is published and acked.
      await until('the translation', async () => sample(await metrics.registry.metrics(), 'parley_stage_duration_seconds_count{stage="mt_translate"}') === 1);
      let text = await metrics.registry.metrics();
      expect(sample(text, 'parley_caption_latency_seconds_count{kind="final"}')).toBe(1);
      expect(sample(text, 'parley_caption_latency_seconds_bucket{le="0.25",kind="final"}')).toBe(0);
      expect(sample(text, 'parley_stage_duration_seconds_count{stage="mt_queue"}')).toBe(1);
      expect(sample(text, 'parley_stage_duration_seconds_count{stage="mt_translate"}')).toBe(1);
      expect(sample(text, 'parley_engine_duration_seconds_count{engine="apertium",operation="translate"}')).toBe(1);
      expect(sample(text, 'parley_transcript_entries_queued_total')).toBe(1);

      // No installed route: set aside at once.
      await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job('obs-no-route', ['de']));
      // The engine's server goes away: retried, then set aside.
      await until('the first dead letter', async () => sample(await metrics.registry.metrics(), `parley_dead_letters_total{stream="${REDIS_KEYS.mtJobs}"}`) === 1);
      await apy.stop();
      await redis.xadd(REDIS_KEYS.mtJobs, '*', ...job('obs-unreachable', ['es']));
      await until('the second dead letter', async () => sample(await metrics.registry.metrics(), `parley_dead_letters_total{stream="${REDIS_KEYS.mtJobs}"}`) === 2);
      text = await metrics.registry.metrics();
      expect(lines.some((l) => l.msg === 'mt job failed; it will be retried after the lease')).toBe(true);
      expectUtteranceIdOnEveryLine(lines, 'obs-no-route');
      expectUtteranceIdOnEveryLine(lines, 'obs-unreachable');
    } finally {
      await worker?.close();
      await apy.stop();
    }
  });
});
