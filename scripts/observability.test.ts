import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS, recordToFields } from '@parley/protocol/streams';
import { ChildProcess } from './lib/ChildProcess.js';
import { freePort, httpOk, portOpen, waitFor } from './lib/freePort.js';
import { PrometheusProcess } from './lib/PrometheusProcess.js';
import { redisServerArgs } from './lib/services.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BACKLOG_JOBS = 300;

/** The PromQL a KEDA ScaledObject's named prometheus trigger runs, read from the manifest itself. */
function kedaQuery(scaledObject: string, trigger: string): string {
  const docs = parseAllDocuments(readFileSync(`${ROOT}infra/k8s/keda.yaml`, 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { triggers: { type: string; name: string; metadata: { query: string } }[] } });
  const found = docs.find((d) => d.kind === 'ScaledObject' && d.metadata.name === scaledObject)?.spec.triggers.find((t) => t.name === trigger);
  if (found?.type !== 'prometheus') throw new Error(`no prometheus trigger ${trigger} on ScaledObject ${scaledObject}`);
  return found.metadata.query;
}

/** Polls a Prometheus query until `accept` holds for its value; returns every value seen. */
async function watch(prometheus: PrometheusProcess, promql: string, accept: (value: number) => boolean, what: string, timeoutMs = 60_000): Promise<number[]> {
  const seen: number[] = [];
  await waitFor(what, async () => {
    const value = await prometheus.value(promql);
    if (value === undefined) return false;
    seen.push(value);
    return accept(value);
  }, timeoutMs);
  return seen;
}

describe('Prometheus scraping running workers (real prometheus, Redis, worker processes, apertium-apy)', () => {
  const processes: ChildProcess[] = [];
  let prometheus: PrometheusProcess;
  let redis: Redis;
  let redisUrl: string;
  let mtHealthPort: number;
  const workerEnv = () => ({ ...process.env, REDIS_URL: redisUrl, APERTIUM_URL: inject('apertiumUrl'), STT_ENGINE: 'pocketsphinx', MT_ENGINE: 'apertium', HEALTH_HOST: '127.0.0.1', LOG_LEVEL: 'warn' });

  async function startWorker(kind: 'stt' | 'mt', healthPort: number): Promise<ChildProcess> {
    const child = new ChildProcess({
      name: `${kind}-worker`,
      command: process.execPath,
      args: ['--import', 'tsx', `workers/src/${kind}/main.ts`],
      cwd: ROOT,
      env: { ...workerEnv(), HEALTH_PORT: String(healthPort), WORKER_NAME: `${kind}-observability` },
    });
    processes.push(child);
    await waitFor(`${kind} worker`, () => httpOk(`http://127.0.0.1:${healthPort}/readyz`), 60_000, () => child.deathReason);
    return child;
  }

  beforeAll(async () => {
    // A Redis of its own: this test fills the real stream keys.
    const redisPort = await freePort();
    processes.push(new ChildProcess({ name: 'redis', command: 'redis-server', args: redisServerArgs(redisPort) }));
    await waitFor('redis', () => portOpen(redisPort), 15_000, () => processes[0]!.deathReason);
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    redis = new Redis(redisUrl);
    const sttHealthPort = await freePort();
    mtHealthPort = await freePort();
    // Only the stt worker runs at first: it reports the mt stream's backlog too, so work that waits
    // for translation is measured while no mt worker exists.
    await startWorker('stt', sttHealthPort);
    prometheus = await PrometheusProcess.start({
      jobs: [
        { job: 'parley-stt', targets: [`127.0.0.1:${sttHealthPort}`] },
        { job: 'parley-mt', targets: [`127.0.0.1:${mtHealthPort}`] },
      ],
      ruleFiles: [`${ROOT}infra/prometheus/alerts.yml`],
    });
    await watch(prometheus, 'up{job="parley-stt"}', (v) => v === 1, 'the first scrape of the stt worker');
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await prometheus?.stop();
    for (const child of processes.reverse()) await child.stop();
  });

  it('shows the mt backlog rise with real waiting work and fall once a worker catches up, through the query KEDA runs', async () => {
    const query = kedaQuery('mt', 'mt-jobs-waiting');
    expect(query).toContain('parley_stream_lag_entries');
    await watch(prometheus, query, (v) => v === 0, 'an empty backlog');

    const pipeline = redis.pipeline();
    for (let i = 0; i < BACKLOG_JOBS; i++) {
      pipeline.xadd(REDIS_KEYS.mtJobs, 'MAXLEN', '~', 100_000, '*', ...recordToFields({
        utteranceId: `obs-${i}`, room: 'observability', speakerId: 'spk', speakerName: 'Sam', seq: 1, kind: 'final', srcLang: 'en',
        targetLangs: ['es'], text: `the house number ${i} is big and old`, sttEngine: 'pocketsphinx', audioEndAtMs: Date.now(),
      }));
    }
    await pipeline.exec();
    const rising = await watch(prometheus, query, (v) => v >= BACKLOG_JOBS, 'the backlog in Prometheus');
    expect(rising.at(-1)).toBe(BACKLOG_JOBS);

    await startWorker('mt', mtHealthPort);
    const falling = await watch(prometheus, query, (v) => v === 0, 'the backlog to drain', 120_000);
    expect(Math.max(...falling)).toBeLessThanOrEqual(BACKLOG_JOBS);
    const changes = (values: number[]) => values.filter((v, i) => i === 0 || v !== values[i - 1]).join(' → ');
    console.log(`mt backlog as the scaler reads it: rising ${changes(rising)}; falling ${changes(falling)}`);
    // The figure fell because the work was done: every job (the last ones may still be in hand
    // when the lag reaches 0) ends translated, kept and acknowledged.
    await waitFor('the last jobs to finish', async () => (await redis.xlen(REDIS_KEYS.transcript)) === BACKLOG_JOBS, 30_000);
    await waitFor('every job acknowledged', async () => ((await redis.xpending(REDIS_KEYS.mtJobs, CONSUMER_GROUPS.mt)) as [number])[0] === 0, 30_000);
  }, 240_000);

  it('reads the caption latency histogram and the stage timings back through the HTTP API', async () => {
    const count = await watch(prometheus, 'sum(parley_caption_latency_seconds_count{job="parley-mt",kind="final"})', (v) => v >= BACKLOG_JOBS, 'caption latency samples');
    expect(count.at(-1)).toBe(BACKLOG_JOBS);
    const p95 = await prometheus.value('histogram_quantile(0.95, sum by (le) (parley_caption_latency_seconds_bucket{job="parley-mt",kind="final"}))');
    // Every caption waited in the backlog until the mt worker started, so none came in under 25 ms.
    expect(p95).toBeGreaterThan(0.025);
    expect(await prometheus.value('sum(parley_caption_latency_seconds_bucket{job="parley-mt",kind="final",le="0.025"})')).toBe(0);
    const stages = await prometheus.query('sum by (stage) (parley_stage_duration_seconds_count)');
    expect(Object.fromEntries(stages.map((s) => [s.metric.stage, s.value]))).toMatchObject({ mt_queue: BACKLOG_JOBS, mt_translate: BACKLOG_JOBS });
    expect(await prometheus.value('sum(parley_engine_duration_seconds_count{engine="apertium",operation="translate"})')).toBe(BACKLOG_JOBS);
  });

  it('evaluates the alert rules against the live series without errors', async () => {
    const { groups } = await prometheus.get<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules');
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(['parley-workers', 'parley-backlog', 'parley-latency', 'parley-sfu']));
    await waitFor('every rule evaluated', async () => {
      const now = await prometheus.get<{ groups: { rules: { health: string }[] }[] }>('/api/v1/rules');
      return now.groups.every((g) => g.rules.every((r) => r.health === 'ok'));
    }, 30_000);
    // The recording rule sees the stream backlog the workers export.
    const recorded = await watch(prometheus, 'parley:stream_lag_entries:max{stream="parley:mt:jobs",group="mt"}', (v) => v === 0, 'the recorded backlog');
    expect(recorded.at(-1)).toBe(0);
    // Both workers run: neither absence alert is active.
    const alerts = await prometheus.get<{ alerts: { labels: { alertname: string } }[] }>('/api/v1/alerts');
    expect(alerts.alerts.map((a) => a.labels.alertname)).not.toEqual(expect.arrayContaining(['ParleyNoSttWorker']));
    expect(alerts.alerts.map((a) => a.labels.alertname)).not.toEqual(expect.arrayContaining(['ParleyNoMtWorker']));
  });
});
