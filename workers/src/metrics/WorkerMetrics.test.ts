import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../scripts/lib/freePort.js';
import type { MtEngine } from '../mt/MtEngine.js';
import type { SttEngine } from '../stt/SttEngine.js';
import { timedMtEngine, timedSttEngine } from './timedEngines.js';
import { WorkerMetrics } from './WorkerMetrics.js';

const prefix = `test:metrics:${process.pid}:${Date.now()}`;
const streams = [
  { stream: `${prefix}:jobs`, group: 'workers' },
  { stream: `${prefix}:other`, group: 'others' },
];

/** The value of one sample line in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('WorkerMetrics (real Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await redis.del(...streams.map((s) => s.stream));
    redis.disconnect();
  });

  it('reports each stream backlog by stream and group, read when scraped', async () => {
    const metrics = new WorkerMetrics({ kind: 'mt', redis, streams });
    await redis.xgroup('CREATE', streams[0]!.stream, 'workers', '0', 'MKSTREAM');
    for (let i = 0; i < 7; i++) await redis.xadd(streams[0]!.stream, '*', 'n', String(i));
    await redis.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 3, 'STREAMS', streams[0]!.stream, '>');
    const text = await metrics.registry.metrics();
    const labels = `{stream="${streams[0]!.stream}",group="workers"}`;
    expect(sample(text, `parley_stream_lag_entries${labels}`)).toBe(4);
    expect(sample(text, `parley_stream_pending_entries${labels}`)).toBe(3);
    expect(sample(text, `parley_stream_oldest_waiting_seconds${labels}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, `parley_stream_lag_entries{stream="${streams[1]!.stream}",group="others"}`)).toBe(0);
    expect(sample(text, 'parley_redis_connected')).toBe(1);
    expect(sample(text, 'parley_process_info{kind="mt"}')).toBe(1);
  });

  it('reports no backlog at all (never a stale or zero figure) while Redis cannot be reached', async () => {
    const deadPort = await freePort();
    const unreachable = new Redis(`redis://127.0.0.1:${deadPort}`, { maxRetriesPerRequest: 0, retryStrategy: () => 200, lazyConnect: false });
    unreachable.on('error', () => {});
    const metrics = new WorkerMetrics({ kind: 'stt', redis: unreachable, streams });
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/^parley_stream_lag_entries\{/m);
    expect(sample(text, 'parley_redis_connected')).toBe(0);
    unreachable.disconnect();
  });

  it('records caption latency from the end of the audio, and counts captions by kind', async () => {
    const metrics = new WorkerMetrics({ kind: 'mt', redis, streams });
    metrics.captionPublished('final', Date.now() - 800);
    metrics.captionPublished('final', Date.now() - 3_500);
    metrics.captionPublished('interim', 0); // a writer that does not know: counted, not timed
    const text = await metrics.registry.metrics();
    expect(sample(text, 'parley_captions_published_total{kind="final"}')).toBe(2);
    expect(sample(text, 'parley_captions_published_total{kind="interim"}')).toBe(1);
    expect(sample(text, 'parley_caption_latency_seconds_count{kind="final"}')).toBe(2);
    expect(sample(text, 'parley_caption_latency_seconds_bucket{le="0.75",kind="final"}')).toBe(0);
    expect(sample(text, 'parley_caption_latency_seconds_bucket{le="1",kind="final"}')).toBe(1);
    expect(sample(text, 'parley_caption_latency_seconds_bucket{le="5",kind="final"}')).toBe(2);
    expect(sample(text, 'parley_caption_latency_seconds_count{kind="interim"}')).toBeUndefined();
  });

  it('records stages, queue waits from the entry id, shed interims, dead letters and recognised texts', async () => {
    const metrics = new WorkerMetrics({ kind: 'stt', redis, streams });
    metrics.tookEntry('stt_queue', `${Date.now() - 2_000}-0`);
    metrics.tookEntry('mt_queue', `${Date.now() + 60_000}-0`); // a clock ahead of ours: clamped to 0
    metrics.recognised('final', Date.now() - 400);
    metrics.recognised('interim', Date.now() - 400);
    metrics.interimShed('decoder_behind');
    metrics.interimShed('mt_backlog');
    metrics.interimShed('mt_backlog');
    metrics.deadLettered('parley:stt:assign');
    metrics.transcriptEntryQueued();
    let active = 3;
    metrics.gaugeFrom('parley_stt_active_utterances', 'active', () => active);
    active = 2;
    const text = await metrics.registry.metrics();
    expect(sample(text, 'parley_stage_duration_seconds_bucket{le="1.5",stage="stt_queue"}')).toBe(0);
    expect(sample(text, 'parley_stage_duration_seconds_bucket{le="3",stage="stt_queue"}')).toBe(1);
    expect(sample(text, 'parley_stage_duration_seconds_sum{stage="mt_queue"}')).toBe(0);
    expect(sample(text, 'parley_stage_duration_seconds_count{stage="stt_decode"}')).toBe(1);
    expect(sample(text, 'parley_stt_results_total{kind="final"}')).toBe(1);
    expect(sample(text, 'parley_stt_results_total{kind="interim"}')).toBe(1);
    expect(sample(text, 'parley_interims_shed_total{reason="decoder_behind"}')).toBe(1);
    expect(sample(text, 'parley_interims_shed_total{reason="mt_backlog"}')).toBe(2);
    expect(sample(text, 'parley_dead_letters_total{stream="parley:stt:assign"}')).toBe(1);
    expect(sample(text, 'parley_transcript_entries_queued_total')).toBe(1);
    expect(sample(text, 'parley_stt_active_utterances')).toBe(2);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('times engine calls under the engine that serves them, failures included', async () => {
    const metrics = new WorkerMetrics({ kind: 'mt', redis, streams });
    const mt: MtEngine = {
      name: 'routed',
      supports: () => true,
      nameFor: (_from, to) => (to === 'es' ? 'apertium' : 'marian'),
      translate: async (text, _from, to) => {
        if (to === 'de') throw new Error('engine down');
        await new Promise((r) => setTimeout(r, 30));
        return text.toUpperCase();
      },
      close: async () => {},
    };
    const timedMt = timedMtEngine(mt, metrics);
    expect(await timedMt.translate('hola', 'en', 'es')).toBe('HOLA');
    await expect(timedMt.translate('x', 'en', 'de')).rejects.toThrow('engine down');
    expect(timedMt.nameFor?.('en', 'es')).toBe('apertium');
    const stt: SttEngine = {
      name: 'pocketsphinx',
      languages: ['en'],
      open: () => ({ write: async () => {}, partial: async () => 'he', finish: async () => 'hello', close: () => {} }),
      close: async () => {},
    };
    const stream = timedSttEngine(stt, metrics).open('en');
    await stream.write(new Int16Array(160));
    expect(await stream.partial()).toBe('he');
    expect(await stream.finish()).toBe('hello');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'parley_engine_duration_seconds_count{engine="apertium",operation="translate"}')).toBe(1);
    expect(sample(text, 'parley_engine_duration_seconds_bucket{le="0.025",engine="apertium",operation="translate"}')).toBe(0);
    expect(sample(text, 'parley_engine_duration_seconds_count{engine="marian",operation="translate"}')).toBe(1);
    for (const operation of ['write', 'partial', 'finish']) {
      expect(sample(text, `parley_engine_duration_seconds_count{engine="pocketsphinx",operation="${operation}"}`)).toBe(1);
    }
  });
});
