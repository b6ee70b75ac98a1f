/**
 * Where a forwarded packet's CPU goes on mediasoup. One speaker (libwebrtc) and N lightweight
 * listeners (parley-listener) in one room, on one media worker (MEDIASOUP_WORKERS=1), all on
 * loopback. The CPU time (from /proc) of the sfu's Node process and of the worker, user and
 * kernel apart, with the speaker alone is subtracted from the same with N listeners and divided by
 * the packets the listeners received: CPU µs per forwarded packet. Then, if `perf` can sample the
 * worker here, a second window is profiled and its busiest functions are printed, by library.
 *
 *   npx tsx bench/forwardingProfile.ts [listeners=300] [seconds=15]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChildProcess } from '../scripts/lib/ChildProcess.js';
import { freePort, portOpen, waitFor } from '../scripts/lib/freePort.js';
import { redisServerArgs, startSfuProcess } from '../scripts/lib/services.js';
import { BenchClient } from './forwarding/BenchClient.js';
import { Measurement, type Window } from './forwarding/Measurement.js';
import { crowdSfuEnv } from './forwarding/sfuEnv.js';

const listenerCount = Number(process.argv[2] ?? 300);
const seconds = Number(process.argv[3] ?? 15);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const outDir = join(ROOT, 'test-results', 'forwarding-profile', String(Date.now()));
mkdirSync(outDir, { recursive: true });
const ROOM = 'profile';

const redisPort = await freePort();
const redis = new ChildProcess({ name: 'redis', command: 'redis-server', args: redisServerArgs(redisPort) });
await waitFor('redis', () => portOpen(redisPort), 15_000, () => redis.deathReason);
const { sfu, url } = await startSfuProcess({
  redisUrl: `redis://127.0.0.1:${redisPort}`,
  env: { ...crowdSfuEnv(listenerCount + 10), MEDIASOUP_WORKERS: '1', MEDIA_CONSUMERS_PER_WORKER: String(listenerCount + 10) },
  logFile: join(outDir, 'sfu.log'),
});
const speaker = new BenchClient('speaker', 'wrtc', join(outDir, 'speaker.log'));
const crowd = new BenchClient('crowd', 'crowd', join(outDir, 'crowd.log'));
const stopAll = async () => {
  await Promise.allSettled([speaker.stop(), crowd.stop()]);
  await sfu.stop();
  await redis.stop();
};

try {
  await speaker.request({ type: 'publish', url, room: ROOM }, 'ok', 60_000);
  const measurement = new Measurement(sfu.pid!, [speaker, crowd]);
  const [workerPid] = measurement.workerPids();
  if (!workerPid) throw new Error('the sfu has no media worker process');
  await sleep(3_000);
  const alone = await measurement.measure(seconds * 1000);
  const added = await crowd.request(
    { type: 'addListeners', url, room: ROOM, count: listenerCount, namePrefix: 'L', concurrency: 8 },
    'added',
    120_000 + listenerCount * 2_000,
  );
  if (added.failed) console.log(`${added.failed} listeners could not join: ${added.errors.join('; ')}`);
  await sleep(5_000);
  const loaded = await measurement.measure(seconds * 1000);
  const workerUsPerPacket = report(alone, loaded, added.connected);
  const perfData = join(outDir, 'worker.perf.data');
  if (await profileWorker(workerPid, perfData)) {
    console.log(`\nthe worker, sampled for ${seconds} s with ${added.connected} listeners (perf; self time, share of its samples):`);
    for (const line of await topSymbols(perfData)) console.log(line);
    const delivery = await inclusiveShare(perfData, 'net_rx_action');
    console.log(
      `\nloopback delivery into the listeners' sockets (the kernel's receive path, net_rx_action and below, run inside the worker's sendmsg): ` +
        `${delivery.toFixed(1)}% of the worker's samples, about ${((delivery / 100) * workerUsPerPacket).toFixed(2)} µs per packet; ` +
        `over a network this is the listener machine's work`,
    );
  }
} finally {
  await stopAll();
}
process.exit(0);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Prints the CPU per forwarded packet and returns the worker's total, µs per packet. */
function report(alone: Window, loaded: Window, listeners: number): number {
  const perPacket = (coresLoaded: number, coresAlone: number) => ((coresLoaded - coresAlone) * 1e6) / loaded.forwardedPps;
  const us = (coresLoaded: number, coresAlone: number) => perPacket(coresLoaded, coresAlone).toFixed(2);
  console.log(`speaker alone: node ${alone.sfuNodeCores.toFixed(3)} cores, worker ${alone.workerCores.toFixed(3)} cores`);
  console.log(
    `${listeners} listeners: ${Math.round(loaded.forwardedPps)} packets/s forwarded; node ${loaded.sfuNodeCores.toFixed(3)} cores, ` +
      `worker ${loaded.workerCores.toFixed(3)} (user ${loaded.workerUserCores.toFixed(3)}, kernel ${loaded.workerSystemCores.toFixed(3)}); ` +
      `machine ${loaded.machineCores.toFixed(2)} cores busy`,
  );
  console.log('CPU µs per forwarded packet, over the speaker alone:');
  console.log(`  worker, user space (SRTP, RTP handling, the event loop): ${us(loaded.workerUserCores, alone.workerUserCores)}`);
  console.log(`  worker, kernel (sendmsg, and the STUN and RTCP it receives): ${us(loaded.workerSystemCores, alone.workerSystemCores)}`);
  // The Node process only signals and captions the speaker: its time does not grow with listeners,
  // and the difference of two noisy readings may come out below zero.
  console.log(`  sfu Node process: ${us(loaded.sfuNodeCores, alone.sfuNodeCores)} (${alone.sfuNodeCores.toFixed(3)} cores alone, ${loaded.sfuNodeCores.toFixed(3)} with listeners)`);
  console.log(`  worker total: ${us(loaded.workerCores, alone.workerCores)}`);
  return perPacket(loaded.workerCores, alone.workerCores);
}

/** Samples the worker's stacks for `seconds`; false (saying why) where perf is missing or not allowed. */
async function profileWorker(pid: number, output: string): Promise<boolean> {
  const perf = spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', output, '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  perf.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    perf.once('error', () => resolve(-1));
    perf.once('exit', resolve);
  });
  if (code !== 0) console.log(`\nno profile of the worker: perf ${code === -1 ? 'is not installed (Debian: linux-perf)' : `failed: ${stderr.trim().split('\n').pop()}`}`);
  return code === 0;
}

/** `perf report` of the worker's samples as text, without call graphs. */
async function perfReport(perfData: string, ...options: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('perf', ['report', '-i', perfData, ...options, '--stdio', '-g', 'none'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The share of samples with `symbol` anywhere in their stack (perf's "children" column), in %. */
async function inclusiveShare(perfData: string, symbol: string): Promise<number> {
  for (const line of (await perfReport(perfData, '--children', '--sort', 'sym')).split('\n')) {
    const m = /^\s*([\d.]+)%\s+[\d.]+%\s+\[[.k]\]\s+(\S+)\s*$/.exec(line);
    if (m && m[2] === symbol) return Number(m[1]);
  }
  return 0;
}

/** The 25 busiest functions by self time, then the share of each library. */
async function topSymbols(perfData: string): Promise<string[]> {
  const rows = (await perfReport(perfData, '--no-children', '--sort', 'dso,sym'))
    .split('\n')
    .map((line) => /^\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ share: Number(m[1]), dso: m[2]!, symbol: m[3]!.trim() }));
  const byDso = new Map<string, number>();
  for (const row of rows) byDso.set(row.dso, (byDso.get(row.dso) ?? 0) + row.share);
  return [
    ...rows.slice(0, 25).map((r) => `${r.share.toFixed(1).padStart(5)}%  ${r.dso.padEnd(22)} ${r.symbol.slice(0, 110)}`),
    'by library:',
    ...[...byDso.entries()].sort((a, b) => b[1] - a[1]).map(([dso, share]) => `${share.toFixed(1).padStart(5)}%  ${dso}`),
  ];
}
