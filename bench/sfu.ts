/**
 * Forwarding capacity of the sfu: one speaker and a growing crowd of listeners in one room, all of
 * them real WebRTC peers (libwebrtc via @roamhq/wrtc) on loopback, in client processes of their
 * own; the sfu and Redis are child processes too. Listeners per room ramp 1, 10, 25, 50, 100, 200, 300, …
 * until a step fails or the time budget (default 9 minutes) runs out.
 *
 * The speaker streams real speech (librivox) in real time, Opus at libwebrtc's default rate for
 * voice, with a timing marker once a second (bench/forwarding/markedSpeech.ts). At each step, over
 * an 8 s window:
 *  - forwarded packets/s: the listeners' inbound-rtp packetsReceived, summed;
 *  - loss: their packetsLost against packetsLost + packetsReceived, and "delivered": packets
 *    received against what the speaker sent times the listeners (a listener that hears nothing
 *    loses no packets by RTP's count);
 *  - the sfu's CPU time (utime + stime from /proc/<pid>/stat) and its RSS;
 *  - delay: the speaker's process notes the wall-clock time at which each marker's first frame
 *    goes to the encoder; up to 8 "probe" listeners decode what they receive and note when the
 *    marker's onset is played out (RTCAudioSink hands over 10 ms chunks at playout time). Both
 *    clocks are the machine's wall clock. The path includes encoding, packetisation, the jitter
 *    buffer and decoding, which do not depend on the crowd; so a step's figure is the p95 of
 *    (delay − baseline): what forwarding to more listeners added, jitter-buffer growth included.
 *    The baseline is per probe, its median delay at the first step it is in (1 listener for the
 *    first probe, 10 for the rest): receivers differ by up to ~20 ms in playout phase and jitter
 *    buffer target, which is not forwarding. (RTP timestamps would not do: the sfu rewrites them
 *    per listener, and they say when audio was sampled, not when it arrived.)
 * A step passes with loss < 1 %, delivered ≥ 98 % and added delay p95 < 50 ms.
 *
 * All processes share this machine's cores: the client processes' CPU is printed too, since on a
 * small machine they, not the sfu, may be what runs out first.
 *
 * Prints one line per step, then one JSON object (the last line):
 *  - forwarded_pps_per_core: forwarded packets per CPU-second of the sfu, at the largest passing
 *    step (the sfu also decodes and runs VAD on the speaker for captions; that is included);
 *  - max_listeners: the most listeners of one speaker held within the limits above;
 *  - mem_per_participant_mb: the sfu's RSS growth per listener, from the 1-listener step to the
 *    largest step measured (not from the speaker alone: start-up garbage is still being freed then).
 *
 *   npm run bench:sfu          (BENCH_BUDGET_S, BENCH_STEPS=1,10,25,…, BENCH_CLIENT_PROCESSES)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ChildProcess } from '../scripts/lib/ChildProcess.js';
import { freePort, portOpen, waitFor } from '../scripts/lib/freePort.js';
import { redisServerArgs, startSfuProcess } from '../scripts/lib/services.js';
import { BenchClient } from './forwarding/BenchClient.js';
import type { Sample } from './forwarding/clientMessages.js';
import { PERIOD_MS } from './forwarding/markedSpeech.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LOG_DIR = `${ROOT}test-results/bench-sfu-logs`;
const STEPS = (process.env.BENCH_STEPS ?? '1,10,25,50,100,200,300,400,550,700,1000,1400,2000').split(',').map(Number);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 540) * 1000;
const LISTENER_PROCESSES = Math.max(1, Number(process.env.BENCH_CLIENT_PROCESSES ?? 2));
const PROBES = 8;
/** After joins, jitter buffers that grew during the turbulence take a few seconds to shrink back. */
const SETTLE_MS = 5_000;
const WINDOW_MS = 8_000;
/** Joins in flight per client process: more only makes DTLS handshakes time out on a busy machine. */
const JOIN_CONCURRENCY = 6;
const MAX_LOSS = 0.01;
const MIN_DELIVERED = 0.98;
const MAX_ADDED_DELAY_MS = 50;
const ROOM = 'bench-forwarding';

const startedMs = Date.now();
const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface StepResult {
  listeners: number;
  forwardedPps: number;
  sfuCores: number;
  packetsPerCpuS: number;
  loss: number;
  delivered: number;
  delayP50Ms: number;
  delaysMs: number[];
  delaysMsByProbe: Map<string, number[]>;
  rssMb: number;
  clientCores: number;
  joinS: number;
  markersExpected: number;
  /** Peers the sfu hung up on so far, and why. */
  hungUp: number;
  hungUpWhy: string[];
  passed: boolean;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const services: ChildProcess[] = [];
const clients: BenchClient[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(clients.map((c) => c.stop()));
    for (const service of [...services].reverse()) await service.stop();
  })();
  return cleaning;
}
process.on('exit', () => {
  for (const c of clients) c.kill();
  for (const s of services) s.kill();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
const watchdog = setTimeout(() => {
  console.error('bench: well over its time budget; stopping everything');
  void cleanup().finally(() => process.exit(2));
}, BUDGET_MS + 120_000);

mkdirSync(LOG_DIR, { recursive: true });
const results: StepResult[] = [];
let stopped = 'every step ran';
let failedToRun = false;
try {
  const redisPort = await freePort();
  const redis = new ChildProcess({
    name: 'redis',
    command: 'redis-server',
    args: redisServerArgs(redisPort),
    logFile: `${LOG_DIR}/redis.log`,
  });
  services.push(redis);
  await waitFor('redis', () => portOpen(redisPort), 15_000, () => redis.deathReason);
  const { sfu, url } = await startSfuProcess({
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    // Every listener connects from this machine's one address: lift the per-address limits.
    env: {
      MAX_PARTICIPANTS_PER_ROOM: String(Math.max(...STEPS) + 10),
      MAX_CONNECTIONS_PER_IP: '100000',
      CONNECT_BURST_PER_IP: '100000',
      JOIN_BURST: '100000',
    },
    logFile: `${LOG_DIR}/sfu.log`,
  });
  services.push(sfu);
  const sfuPid = sfu.pid!;

  const publisher = new BenchClient('publisher', `${LOG_DIR}/publisher.log`);
  clients.push(publisher);
  const listenerClients = Array.from({ length: LISTENER_PROCESSES }, (_, i) => new BenchClient(`listeners-${i}`, `${LOG_DIR}/listeners-${i}.log`));
  clients.push(...listenerClients);
  await publisher.request({ type: 'publish', url, room: ROOM, seconds: 60 }, 'ok', 60_000);

  const markerSends: number[] = [];
  const counts = listenerClients.map(() => 0);
  let probes = 0;

  const sampleAll = () => Promise.all(clients.map((c) => c.request({ type: 'sample' }, 'sample', 60_000)));

  /** Settles, then measures one window with `listeners` connected. */
  const measure = async (listeners: number, joinS: number): Promise<StepResult> => {
    await sleep(SETTLE_MS);
    const before = await sampleAll();
    const cpuBefore = cpuSeconds(sfuPid);
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const after = await sampleAll();
    const sfuCpuS = cpuSeconds(sfuPid) - cpuBefore;
    const windowS = (performance.now() - t0) / 1000;
    for (const s of [...before, ...after]) markerSends.push(...s.markerSentMs);
    markerSends.sort((a, b) => a - b);
    const sum = (samples: Sample[], key: 'received' | 'lost' | 'sent' | 'cpuS' | 'fatal') => samples.reduce((n, s) => n + s[key], 0);
    const received = sum(after.slice(1), 'received') - sum(before.slice(1), 'received');
    const lost = sum(after.slice(1), 'lost') - sum(before.slice(1), 'lost');
    const sent = after[0]!.sent - before[0]!.sent;
    const delaysMsByProbe = new Map<string, number[]>();
    for (const [probe, onsets] of after.slice(1).flatMap((s) => Object.entries(s.onsetsMsByProbe))) {
      const delays = onsets.map((onset) => onset - (latestAtOrBefore(markerSends, onset) ?? -Infinity)).filter((d) => d < PERIOD_MS);
      delaysMsByProbe.set(probe, delays);
    }
    const delaysMs = [...delaysMsByProbe.values()].flat();
    return {
      listeners,
      forwardedPps: received / windowS,
      sfuCores: sfuCpuS / windowS,
      packetsPerCpuS: sfuCpuS > 0 ? received / sfuCpuS : Number.NaN,
      loss: received + lost > 0 ? lost / (received + lost) : 0,
      delivered: listeners > 0 && sent > 0 ? received / (sent * listeners) : Number.NaN,
      delayP50Ms: percentile(delaysMs, 50),
      delaysMs,
      delaysMsByProbe,
      rssMb: rssMb(sfuPid),
      clientCores: (sum(after, 'cpuS') - sum(before, 'cpuS')) / windowS,
      joinS,
      markersExpected: Math.min(PROBES, listeners) * Math.floor(windowS),
      hungUp: sum(after, 'fatal'),
      hungUpWhy: [...new Set(after.flatMap((s) => s.fatalMessages))],
      passed: false,
    };
  };

  const alone = await measure(0, 0);
  console.log(
    `speaker alone: sfu ${alone.sfuCores.toFixed(2)} cores (captioning the speaker), rss ${alone.rssMb.toFixed(0)} MB, ` +
      `clients ${alone.clientCores.toFixed(2)} cores; ${cpus().length} cores in this machine, ${LISTENER_PROCESSES} listener processes`,
  );

  const probeBaselineMs = new Map<string, number>();
  let joinMsPerListener = 300;
  for (const target of STEPS) {
    const current = counts.reduce((a, b) => a + b, 0);
    const estimateMs = ((target - current) * joinMsPerListener) / LISTENER_PROCESSES + SETTLE_MS + WINDOW_MS + 10_000;
    if (Date.now() - startedMs + estimateMs > BUDGET_MS) {
      stopped = `time budget: ${target} listeners would take about ${Math.round(estimateMs / 1000)} s more`;
      break;
    }
    const joinStart = performance.now();
    const batches = listenerClients.map((_, i) => Math.floor((target - current) / LISTENER_PROCESSES) + (i < (target - current) % LISTENER_PROCESSES ? 1 : 0));
    let probesWanted = Math.min(PROBES, target) - probes;
    const added = await Promise.all(
      listenerClients.map((client, i) => {
        const count = batches[i]!;
        const newProbes = Math.min(count, probesWanted);
        probesWanted -= newProbes;
        if (count === 0) return { connected: 0, failed: 0, errors: [] as string[], newProbes: 0 };
        return client
          .request(
            { type: 'addListeners', url, room: ROOM, count, probes: newProbes, namePrefix: `L${i}-${counts[i]}-`, concurrency: JOIN_CONCURRENCY },
            'added',
            Math.max(120_000, count * 3_000),
          )
          .then((r) => ({ ...r, newProbes }));
      }),
    );
    const joinS = (performance.now() - joinStart) / 1000;
    added.forEach((a, i) => (counts[i]! += a.connected));
    probes += added.reduce((n, a) => n + Math.min(a.newProbes, a.connected), 0);
    const listeners = counts.reduce((a, b) => a + b, 0);
    if (target > current) joinMsPerListener = (joinS * 1000 * LISTENER_PROCESSES) / (target - current);
    const failures = added.flatMap((a) => a.errors);
    if (sfu.deathReason) {
      stopped = `the sfu died: ${sfu.deathReason}`;
      break;
    }

    const step = await measure(listeners, joinS);
    results.push(step);
    const addedMs: number[] = [];
    for (const [probe, delays] of step.delaysMsByProbe) {
      if (!probeBaselineMs.has(probe) && delays.length > 0) probeBaselineMs.set(probe, percentile(delays, 50));
      const baseline = probeBaselineMs.get(probe);
      if (baseline !== undefined) addedMs.push(...delays.map((d) => d - baseline));
    }
    const addedP95 = percentile(addedMs, 95);
    const problems: string[] = [];
    if (listeners < target * 0.99) problems.push(`only ${listeners} of ${target} listeners joined (${failures.join('; ')})`);
    if (!(step.loss < MAX_LOSS)) problems.push(`loss ${(step.loss * 100).toFixed(2)} %`);
    if (!(step.delivered >= MIN_DELIVERED)) problems.push(`delivered ${(step.delivered * 100).toFixed(1)} %`);
    if (!(addedP95 < MAX_ADDED_DELAY_MS)) problems.push(`added delay p95 ${addedP95.toFixed(1)} ms`);
    if (step.delaysMs.length < step.markersExpected / 2) problems.push(`only ${step.delaysMs.length} of ${step.markersExpected} markers heard`);
    if (sfu.deathReason) problems.push('the sfu died');
    if (step.hungUp > 0) problems.push(`the sfu hung up on ${step.hungUp} peers (${step.hungUpWhy.join('; ')})`);
    console.log(
      `listeners ${String(listeners).padStart(4)}: forwarded ${step.forwardedPps.toFixed(0)} pkt/s | sfu ${step.sfuCores.toFixed(2)} cores ` +
        `(${step.packetsPerCpuS.toFixed(0)} pkt/CPU-s), rss ${step.rssMb.toFixed(0)} MB | loss ${(step.loss * 100).toFixed(2)} %, ` +
        `delivered ${(step.delivered * 100).toFixed(1)} % | delay p50 ${step.delayP50Ms.toFixed(1)} ms, added p95 ${addedP95.toFixed(1)} ms ` +
        `(${step.delaysMs.length}/${step.markersExpected} markers) | clients ${step.clientCores.toFixed(2)} cores | joined in ${joinS.toFixed(1)} s | ` +
        (problems.length ? `FAIL: ${problems.join(', ')}` : 'ok'),
    );
    step.passed = problems.length === 0;
    if (problems.length) {
      stopped = `step ${target} failed: ${problems.join(', ')}`;
      break;
    }
  }
} catch (error) {
  stopped = `error: ${(error as Error).message}`;
  failedToRun = true;
  console.error(`bench: ${stopped}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}

const passed = results.filter((r) => r.passed);
const reference = passed.at(-1) ?? results.at(-1);
const first = results[0];
const largest = results.at(-1);
console.log(
  JSON.stringify({
    forwarded_pps_per_core: reference ? Math.round(reference.packetsPerCpuS) : null,
    max_listeners: passed.at(-1)?.listeners ?? 0,
    mem_per_participant_mb:
      first && largest && largest.listeners > first.listeners ? Number(((largest.rssMb - first.rssMb) / (largest.listeners - first.listeners)).toFixed(3)) : null,
    stopped,
  }),
);
process.exit(failedToRun ? 1 : 0);

function latestAtOrBefore(sorted: number[], value: number): number | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) {
      found = sorted[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
