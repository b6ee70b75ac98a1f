import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack, JoinReply } from '@parley/protocol';
import type { ChildProcess } from '../../scripts/lib/ChildProcess.js';
import { httpOk } from '../../scripts/lib/freePort.js';
import { startSfuProcess } from '../../scripts/lib/services.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import type { LaneContext } from './fuzz/Actor.js';
import { runPairLane, runSoloLane } from './fuzz/lanes.js';
import { runAbandonLane, runFloodLane } from './fuzz/otherLanes.js';
import { rawFrameCases, runRawFrameCase } from './fuzz/rawFrames.js';
import { captureRealMedia, type RealMedia } from './fuzz/realMedia.js';
import { SeededRandom } from './fuzz/SeededRandom.js';
import { Tally } from './fuzz/Tally.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const HOSTILE_INPUTS = Number(process.env.FUZZ_INPUTS ?? 10_000);
/** Lanes in flight at once: each waits on replies most of the time, so many overlap. */
const CONCURRENT_LANES = 64;
const FLOOD_LANES = 6;

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, in USER_HZ ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The sfu's media processes: its children that run the mediasoup worker binary. */
function mediaWorkerPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number))
    .filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('mediasoup-worker'))
    .sort((a, b) => a - b);
}

/** The routerRtpCapabilities a join reply carries (what a real client loads into its Device). */
async function routerCapabilities(url: string): Promise<JoinReply['routerRtpCapabilities']> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } });
  try {
    const reply = (await socket.timeout(10_000).emitWithAck('join', { room: 'fuzz-capabilities', name: 'Fuzz', speaks: 'en', reads: 'en' })) as Ack<JoinReply>;
    if (!reply.ok) throw new Error(reply.error);
    return reply.routerRtpCapabilities;
  } finally {
    socket.disconnect();
  }
}

describe('signaling under hostile input (sfu as a child process)', () => {
  let sfu: ChildProcess;
  let url: string;
  let media: RealMedia;
  let logDir: string;
  const tally = new Tally();
  /** Lanes in flight, to name the culprits if the sfu dies. */
  const inFlight = new Set<string>();
  let inFlightAtDeath: string[] = [];

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
    ({ sfu, url } = await startSfuProcess({
      redisUrl: `${inject('redisUrl')}/7`,
      readyTimeoutMs: 30_000,
      logFile: join(logDir, 'sfu.log'),
      // Thousands of connections from one address are the point here; the per-address limits have their own test (flood.test.ts).
      env: { MAX_CONNECTIONS_PER_IP: '100000', CONNECT_BURST_PER_IP: '100000', JOIN_BURST: '100000' },
    }));
    void sfu.waitForExit().then(() => (inFlightAtDeath = [...inFlight]));
    media = await captureRealMedia(await routerCapabilities(url));
  });

  afterAll(async () => {
    await sfu?.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  it('answers every hostile input as the protocol says (refusal, fatal + disconnect, size limit, or ignored), and keeps running', async () => {
    const master = new SeededRandom(SEED);
    const ctx: LaneContext = {
      url,
      media,
      runId: `${SEED.toString(36)}${Date.now().toString(36)}`,
      record: (entry) => tally.record(entry),
      countExtraMessages: (count) => (tally.hostileMessages += count),
      foreignTransportIds: [],
    };
    const sfuPid = sfu.pid!;
    const workersBefore = mediaWorkerPids(sfuPid);
    let lanesStarted = 0;
    const laneKinds = new Map<string, number>();
    const worker = async (): Promise<void> => {
      while (tally.hostileInputs < HOSTILE_INPUTS && !sfu.deathReason) {
        const index = lanesStarted++;
        const rng = master.fork();
        const kind = rng.pick(['solo', 'solo', 'solo', 'pair', 'pair', 'abandon'] as const);
        laneKinds.set(kind, (laneKinds.get(kind) ?? 0) + 1);
        const key = `${kind} lane ${index} (seed ${rng.seed})`;
        inFlight.add(key);
        const laneCtx: LaneContext = { ...ctx, record: (entry) => tally.record({ ...entry, lane: key }) };
        if (kind === 'solo') await runSoloLane(rng, laneCtx, index);
        else if (kind === 'pair') await runPairLane(rng, laneCtx, index);
        else await runAbandonLane(rng, laneCtx, index);
        inFlight.delete(key);
      }
    };
    const floods = Array.from({ length: FLOOD_LANES }, () => runFloodLane(master.fork(), ctx));
    const rawCases = rawFrameCases(master.fork());
    const raw = async (): Promise<void> => {
      for (let testCase = rawCases.shift(); testCase; testCase = rawCases.shift()) {
        inFlight.add(testCase.label);
        const { allowed, ...result } = await runRawFrameCase(url, testCase, 8_000);
        inFlight.delete(testCase.label);
        tally.record({ label: testCase.label, event: 'raw', hostile: true, expectation: testCase.expectation, result, verdict: allowed ? 'expected' : 'mismatch', complaint: allowed ? undefined : `expected ${testCase.expectation.kind}` });
      }
    };

    const startedMs = Date.now();
    const cpuBefore = [sfuPid, ...workersBefore].map(cpuSeconds);
    await Promise.all([...Array.from({ length: CONCURRENT_LANES }, worker), ...floods, raw(), raw(), raw(), raw()]);
    const elapsedS = (Date.now() - startedMs) / 1000;
    const alive = !sfu.deathReason;
    const cpuAfter = alive ? [sfuPid, ...workersBefore].map((pid) => (readdirSync('/proc').includes(String(pid)) ? cpuSeconds(pid) : Number.NaN)) : [];
    const cpu = cpuAfter.map((s, i) => s - cpuBefore[i]!);
    const workersAfter = alive ? mediaWorkerPids(sfuPid) : [];

    console.log(
      `seed ${SEED}: ${lanesStarted} lanes (${[...laneKinds].map(([k, n]) => `${n} ${k}`).join(', ')}) + ${FLOOD_LANES} floods + raw frames in ${elapsedS.toFixed(1)} s; ` +
        `CPU used: sfu ${cpu[0]?.toFixed(1)} s, media processes ${cpu.slice(1).map((s) => s.toFixed(1)).join(' + ')} s\n${tally.summary()}`,
    );
    console.log(`inputs by kind (count, mean reply ms): ${tally.kinds()}`);
    console.log(`most common refusals:\n  ${tally.topSentences(30)}`);
    if (tally.mismatches.length) console.log(`${tally.mismatches.length} unexpected outcomes, first ones:\n  ${tally.mismatches.slice(0, 40).join('\n  ')}`);
    const errorLines = readFileSync(join(logDir, 'sfu.log'), 'utf8').split('\n').filter((line) => /"level":(50|60)/.test(line));
    if (errorLines.length) console.log(`sfu error log lines:\n  ${errorLines.slice(0, 10).join('\n  ')}`);

    expect(sfu.deathReason, `the sfu died with these lanes in flight: ${inFlightAtDeath.join(', ')}`).toBeUndefined();
    expect(workersBefore.length, 'the sfu runs its media processes').toBeGreaterThan(0);
    expect(workersAfter, 'no media process died (the same mediasoup workers run)').toEqual(workersBefore);
    expect(tally.hostileInputs).toBeGreaterThanOrEqual(HOSTILE_INPUTS);
    expect(tally.mismatches).toEqual([]);
    expect(errorLines, 'the sfu logged no errors (an unexpected exception in a handler, a media process death)').toEqual([]);
  }, 240_000);

  it('still serves health checks and a normal room afterwards: a speaker is heard by a listener', async () => {
    expect(sfu.deathReason).toBeUndefined();
    expect(await httpOk(`${url}/healthz`)).toBe(true);
    const room = `after-fuzz-${Date.now().toString(36)}`;
    const speaker = await WrtcParticipant.join({ url, room, name: 'Speaker', speaks: 'en', reads: 'en' });
    const listener = await WrtcParticipant.join({ url, room, name: 'Listener', speaks: 'en', reads: 'es' });
    let stopTone: (() => Promise<void>) | undefined;
    try {
      await speaker.startMicrophone();
      stopTone = speaker.playTone(440);
      await listener.startListening();
      await listener.waitForRoom(() => listener.remoteAudio(speaker.peerId) !== undefined, "the speaker's audio track");
      const track = listener.remoteAudio(speaker.peerId)!;
      await track.waitFor(() => track.hasTone(440), "the speaker's 440 Hz tone at the listener");
      await speaker.waitForRoom(() => speaker.participants.some((p) => p.id === listener.peerId), 'the listener in the list');
    } finally {
      await stopTone?.();
      await Promise.all([speaker.close(), listener.close()]);
    }
    expect(sfu.deathReason).toBeUndefined();
  });
});
