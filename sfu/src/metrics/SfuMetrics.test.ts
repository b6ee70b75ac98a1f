import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RoomClient } from '@parley/client';
import type { Caption } from '@parley/protocol';
import { LATENCY_BUCKETS_SECONDS } from '@parley/protocol/metrics';
import { STREAMS } from '@parley/protocol/streams';
import { loadLibrivoxClips } from '../../../bench/speechClips.js';
import { WrtcParticipant } from '../../../scripts/lib/WrtcParticipant.js';
import { histogramBuckets, parsePromText, sampleValue, type PromExposition } from '../../../scripts/lib/test-support/promText.js';
import { loadSfuConfig } from '../config.js';
import { SfuServer } from '../SfuServer.js';

const TOKEN = 'metrics-token-for-this-test-only';
const REDIS_DB = 60;

async function until<T>(what: string, get: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the sfu's /metrics (real sfu, mediasoup, WebRTC participants, Redis)", () => {
  let server: SfuServer;
  let url: string;
  let metricsUrl: string;
  let dir: string;
  let redis: Redis;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-sfu-metrics-'));
    const env = { REDIS_URL: `${inject('redisUrl')}/${REDIS_DB}`, RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1', DATABASE_URL: `sqlite:${join(dir, 'p.db')}`, LOG_LEVEL: 'silent' };
    server = new SfuServer(loadSfuConfig({ ...env, METRICS_PORT: '0', METRICS_TOKEN: TOKEN }), pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    metricsUrl = `http://127.0.0.1:${server.metricsPort}/metrics`;
    redis = new Redis(inject('redisUrl'), { db: REDIS_DB });
  }, 60_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    redis?.disconnect();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scrape(): Promise<PromExposition> {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    return parsePromText(await response.text());
  }

  async function participant(room: string, name: string, reads: 'en' | 'es'): Promise<WrtcParticipant> {
    const p = await WrtcParticipant.join({ url, room, name, speaks: 'en', reads });
    closers.push(() => p.close());
    return p;
  }

  it('is off unless METRICS_PORT is set, and never served on the public port', async () => {
    const defaults = loadSfuConfig({});
    expect(defaults.METRICS_PORT).toBeUndefined();
    expect(defaults.METRICS_HOST).toBe('127.0.0.1');
    expect(() => loadSfuConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    const plain = new SfuServer(loadSfuConfig({ REDIS_URL: `${inject('redisUrl')}/${REDIS_DB}`, RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1', DATABASE_URL: `sqlite:${join(dir, 'q.db')}` }), pino({ level: 'silent' }));
    try {
      const port = await plain.listen(0, '127.0.0.1');
      expect(plain.metricsPort).toBeUndefined();
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toMatch(/parley_/);
    } finally {
      await plain.close();
    }
    expect(await (await fetch(`${url}/metrics`)).text()).not.toMatch(/parley_/);
  });

  it('answers only /metrics, and only with the token; refusals are counted', async () => {
    expect((await fetch(metricsUrl)).status).toBe(401);
    const wrong = await fetch(metricsUrl, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/METRICS_TOKEN/);
    expect((await fetch(metricsUrl.replace('/metrics', '/readyz'), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    const metrics = await scrape();
    expect(sampleValue(metrics, 'parley_auth_failures_total', { reason: 'metrics_token' })).toBe(2);
    expect(sampleValue(metrics, 'parley_process_info', { kind: 'sfu' })).toBe(1);
    expect(sampleValue(metrics, 'parley_redis_connected')).toBe(1);
    expect(sampleValue(metrics, 'parley_media_processes')).toBe(1);
    expect(metrics.types.get('process_cpu_seconds_total')).toBe('counter');
  });

  it('counts rooms, participants, packets forwarded to listeners and VAD time while someone speaks', async () => {
    const room = `metrics-speech-${Date.now()}`;
    const listener = await participant(room, 'Lee', 'es');
    const speaker = await participant(room, 'Sam', 'en');
    await listener.startListening();
    await speaker.startMicrophone();
    await speaker.sendPcm(loadLibrivoxClips()[0]!.samples48k.subarray(0, 48_000 * 3));
    await listener.waitForRoom(() => (listener.remoteAudio(speaker.peerId)?.framesReceived ?? 0) > 100, 'the speech heard');
    const metrics = await until('forwarded packets counted', async () => {
      const m = await scrape();
      return (sampleValue(m, 'parley_forwarded_packets_total') ?? 0) > 100 && m;
    });
    expect(sampleValue(metrics, 'parley_rooms')).toBe(1);
    expect(sampleValue(metrics, 'parley_participants')).toBe(2);
    // What the listener received came through the sfu; the sfu counts what it sent, so at least as many.
    expect(sampleValue(metrics, 'parley_forwarded_packets_total')).toBeGreaterThanOrEqual((await listener.packetsReceived()) - 60);
    // 3 s of audio at 31.25 VAD frames a second.
    expect(sampleValue(metrics, 'parley_stage_duration_seconds_count', { stage: 'vad' })).toBeGreaterThan(80);
    expect(histogramBuckets(metrics, 'parley_stage_duration_seconds', { stage: 'vad' })).toEqual(LATENCY_BUCKETS_SECONDS);
    const vadFrames = sampleValue(metrics, 'parley_vad_frames_total') ?? 0;
    expect(vadFrames).toBeGreaterThan(80);
    expect(sampleValue(metrics, 'parley_vad_inferences_total')).toBeGreaterThan(0);
    expect(sampleValue(metrics, 'parley_vad_inferences_total')).toBeLessThanOrEqual(vadFrames);
    expect(sampleValue(metrics, 'parley_media_process_cpu_seconds_total', { process: '0' })).toBeGreaterThan(0);
    expect(sampleValue(metrics, 'parley_media_process_resident_memory_bytes', { process: '0' })).toBeGreaterThan(1_000_000);
  });

  it('counts captions handed to listeners and times their delivery from publication', async () => {
    const room = `metrics-captions-${Date.now()}`;
    const listener = await participant(room, 'Lee', 'es');
    const caption: Caption = {
      room, utteranceId: 'u1', seq: 3, kind: 'final', speakerId: 's', speakerName: 'Sam', lang: 'es', text: 'Hola.', sourceLang: 'en', sourceText: 'Hello.',
      engine: 'pocketsphinx+apertium', audioEndAtMs: Date.now() - 900, publishedAtMs: Date.now() - 300,
    };
    // As a worker publishes it; nobody reads English in this room, so that one reaches no socket.
    await STREAMS.captions.add(redis, { ...caption, lang: 'en', utteranceId: 'u0' });
    await STREAMS.captions.add(redis, caption);
    await listener.waitForCaption((c) => c.utteranceId === 'u1');
    const metrics = await scrape();
    expect(sampleValue(metrics, 'parley_captions_delivered_total', { kind: 'final' })).toBe(1);
    expect(sampleValue(metrics, 'parley_stage_duration_seconds_count', { stage: 'delivery' })).toBe(1);
    expect(sampleValue(metrics, 'parley_stage_duration_seconds_bucket', { stage: 'delivery', le: '0.25' })).toBe(0);
    expect(sampleValue(metrics, 'parley_stage_duration_seconds_bucket', { stage: 'delivery', le: '0.5' })).toBe(1);
  });

  it('counts clients that come back: a socket that dropped and rejoined, and ICE restarts', async () => {
    const room = `metrics-reconnect-${Date.now()}`;
    const client = new RoomClient({
      url,
      socket: { transports: ['websocket'], extraHeaders: { origin: url }, reconnectionDelay: 100, reconnectionDelayMax: 200 },
      join: { room, name: 'Ana', speaks: 'en', reads: 'en' },
      manualMedia: true,
    });
    closers.push(() => client.close());
    client.start();
    const first = (await client.whenJoined()).peerId;
    expect(sampleValue(await scrape(), 'parley_client_reconnects_total', { kind: 'socket' })).toBeUndefined();
    // The network drops under the socket (not a leave): socket.io reconnects and the client joins again.
    client.socket.io.engine.close();
    await until('a new join after the drop', () => client.peerId !== null && client.peerId !== first);
    expect(sampleValue(await scrape(), 'parley_client_reconnects_total', { kind: 'socket' })).toBe(1);

    const speaker = await participant(room, 'Sam', 'en');
    await speaker.startMicrophone();
    await speaker.restartIce();
    // One restart per transport: the speaker's send and receive transports.
    expect(sampleValue(await scrape(), 'parley_client_reconnects_total', { kind: 'ice' })).toBe(2);
  });

  it('counts a media process that died and was replaced', async () => {
    const [victim] = server.media!.pids;
    process.kill(victim!, 'SIGKILL');
    const metrics = await until('the replacement counted', async () => {
      const m = await scrape();
      return sampleValue(m, 'parley_media_process_restarts_total') === 1 && sampleValue(m, 'parley_media_processes') === 1 && m;
    });
    expect(server.media!.pids).not.toContain(victim);
    expect(sampleValue(metrics, 'parley_media_process_cpu_seconds_total', { process: '0' })).toBeGreaterThanOrEqual(0);
  });
});
