import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caption } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { loadLibrivoxClips } from '../bench/speechClips.js';
import { waitFor } from './lib/freePort.js';
import { PrometheusProcess } from './lib/PrometheusProcess.js';
import { useOfflineStack } from './lib/test-support/offlineStack.js';
import { WrtcParticipant } from './lib/WrtcParticipant.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LOG_DIR = `${ROOT}test-results/stack-metrics-logs`;
const JOBS = ['parley-sfu', 'parley-stt', 'parley-mt', 'parley-transcripts'] as const;

describe('Prometheus scraping a whole running stack while a WebRTC participant speaks (real prometheus, sfu, workers, transcript writer)', () => {
  // Debug lines carry each utterance's id through every process.
  const parley = useOfflineStack({ db: 52, sfuMetrics: true, env: { LOG_LEVEL: 'debug' }, logDir: LOG_DIR });
  let prometheus: PrometheusProcess;
  let speaker: WrtcParticipant;
  let listener: WrtcParticipant;
  let final: Caption;

  beforeAll(async () => {
    const { stack } = parley;
    prometheus = await PrometheusProcess.start({
      jobs: JOBS.map((job) => ({ job, targets: stack.metricsTargets.filter((t) => t.job === job).map((t) => t.target) })),
      ruleFiles: [`${ROOT}infra/prometheus/alerts.yml`],
    });
    await waitFor('every process scraped', async () => (await prometheus.query('up == 1')).length === JOBS.length, 60_000);

    const room = `stack-metrics-${Date.now()}`;
    listener = await WrtcParticipant.join({ url: stack.url, room, name: 'Listener', speaks: 'es', reads: 'es', receiveAudio: false });
    await listener.startListening();
    speaker = await WrtcParticipant.join({ url: stack.url, room, name: 'Speaker', speaks: 'en', reads: 'en' });
    await speaker.startMicrophone();
    await speaker.sendSilence(1);
    await speaker.sendPcm(loadLibrivoxClips()[0]!.samples48k);
    await speaker.sendSilence(3);
    final = await listener.waitForCaption((c) => c.kind === 'final' && c.lang === 'es' && c.text !== '', 30_000);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([speaker?.close(), listener?.close()]);
    await prometheus?.stop();
  });

  it('reads the caption latency histogram, the sfu stages and the room back through the HTTP API', async () => {
    const finals = 'sum(parley_caption_latency_seconds_count{job="parley-mt",kind="final"})';
    await waitFor('the final in Prometheus', async () => ((await prometheus.value(finals)) ?? 0) >= 1, 30_000);
    const p95 = await prometheus.value('histogram_quantile(0.95, sum by (le) (parley_caption_latency_seconds_bucket{kind="final"}))');
    expect(p95).toBeGreaterThan(0);
    expect(p95).toBeLessThan(Number.POSITIVE_INFINITY);
    const stages = async () => Object.fromEntries((await prometheus.query('sum by (stage) (parley_stage_duration_seconds_count)')).map((s) => [s.metric.stage, s.value]));
    await waitFor('the delivery stage in Prometheus', async () => ((await stages()).delivery ?? 0) >= 1, 30_000);
    const seen = await stages();
    // Every stage of the final's journey: VAD and delivery on the sfu, queue and decode on stt, queue and translation on mt.
    for (const stage of ['vad', 'stt_queue', 'stt_decode', 'mt_queue', 'mt_translate', 'delivery']) expect(seen[stage], stage).toBeGreaterThanOrEqual(1);
    expect(await prometheus.value('sum(parley_rooms{job="parley-sfu"})')).toBe(1);
    expect(await prometheus.value('sum(parley_participants{job="parley-sfu"})')).toBe(2);
    await waitFor('forwarded packets in Prometheus', async () => ((await prometheus.value('sum(parley_forwarded_packets_total)')) ?? 0) > 0, 30_000);
    await waitFor('the stored transcript entry', async () => ((await prometheus.value('sum(parley_transcript_entries_stored_total)')) ?? 0) >= 1, 30_000);
  });

  it('reads the stream lag of every stream the workers read, back at 0 once the caption is done', async () => {
    await waitFor('no backlog anywhere', async () => {
      const lag = await prometheus.query('max by (stream, group) (parley_stream_lag_entries)');
      return lag.length === 3 && lag.every((s) => s.value === 0);
    }, 30_000);
    const lag = await prometheus.query('max by (stream, group) (parley_stream_lag_entries)');
    expect(lag.map((s) => s.metric.stream).sort()).toEqual([REDIS_KEYS.mtJobs, REDIS_KEYS.sttAssign, REDIS_KEYS.transcript].sort());
  });

  it("finds one caption's way through the sfu, stt worker, mt worker and transcript writer by its utteranceId in the logs", async () => {
    const needle = `"utteranceId":"${final.utteranceId}"`;
    const lines = (name: string) =>
      readFileSync(`${LOG_DIR}/${name}.log`, 'utf8')
        .split('\n')
        .filter((l) => l.includes(needle))
        .map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { msg: string }).msg);
    await waitFor('the transcript writer to log the stored caption', () => Promise.resolve(lines('transcripts').length > 0), 30_000);
    expect(lines('sfu')).toEqual(expect.arrayContaining(['utterance started', 'utterance audio complete; queued for speech recognition', 'final caption delivered']));
    expect(lines('stt0')).toContain('final text recognised');
    expect(lines('mt0')).toContain('final caption translated and published');
    expect(lines('transcripts')).toContain('final caption stored in the transcript');
  });
});
