import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from '../../scripts/lib/ChildProcess.js';
import { httpOk } from '../../scripts/lib/freePort.js';
import { startSfuProcess } from '../../scripts/lib/services.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { iceGatheringComplete, wrtc } from '../../scripts/lib/wrtc.js';
import { outcomeAllowed, type Step, type StepResult } from './fuzz/FuzzConnection.js';
import { runFloodLane, runLane, type LaneContext } from './fuzz/lanes.js';
import { rawFrameCases, runRawFrameCase } from './fuzz/rawFrames.js';
import { SeededRandom } from './fuzz/SeededRandom.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const HOSTILE_INPUTS = Number(process.env.FUZZ_INPUTS ?? 10_000);
/**
 * Lanes in flight at once. The sfu itself is lightly loaded; the wait is werift's ICE gathering,
 * which queries a STUN server even when none is configured and may wait 5 s for it, so many
 * lanes overlap those waits.
 */
const CONCURRENT_LANES = 160;
const FLOOD_LANES = 6;

/** A microphone offer exactly as libwebrtc makes it, ICE candidates included. */
async function realOfferSdp(): Promise<string> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  const track = new wrtc.nonstandard.RTCAudioSource().createTrack();
  try {
    pc.addTrack(track, new wrtc.MediaStream());
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc);
    return pc.localDescription!.sdp;
  } finally {
    track.stop();
    pc.close();
  }
}

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, in USER_HZ ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Every input and what became of it, summed the way the assertions need. */
function newTally() {
  return {
    /** Hostile inputs (steps that are not plain valid requests). */
    hostileInputs: 0,
    /** Hostile frames on the wire, a flood's messages included. */
    hostileMessages: 0,
    /** Hostile inputs that must be answered: by `ok: false`, by `fatal` + disconnect, or (frames the transport refuses) by a bare disconnect. */
    expectingReply: 0,
    ackErrors: 0,
    fatals: 0,
    transportCloses: 0,
    /** SDPs that passed the cheap checks and reached werift. */
    sdpAccepted: 0,
    sdpRefused: 0,
    validRequests: 0,
    ignored: 0,
    byLabel: new Map<string, { count: number; totalMs: number }>(),
    errorSentences: new Map<string, number>(),
    mismatches: [] as string[],
  };
}
type Tally = ReturnType<typeof newTally>;

function record(tally: Tally, step: Step, { outcome, detail, elapsedMs }: StepResult): void {
  const label = step.label.replace(/^offer:sdp:.*/, 'offer:sdp-mutant');
  const kind = tally.byLabel.get(label) ?? { count: 0, totalMs: 0 };
  kind.count++;
  kind.totalMs += elapsedMs;
  tally.byLabel.set(label, kind);
  if (outcome === 'ack-ok' && detail === 'candidates=0') {
    tally.mismatches.push(`${step.label}: the answer has no ICE candidates, so it can never connect`);
  }
  if (!outcomeAllowed(step.expect, outcome)) {
    tally.mismatches.push(`${step.label} (event ${JSON.stringify(step.event)}, expected ${step.expect}) got ${outcome}: ${detail.slice(0, 160)}`);
  }
  if (step.expect === 'ok') {
    tally.validRequests++;
    return;
  }
  if (step.expect === 'ignored') {
    tally.ignored++;
    return;
  }
  tally.hostileInputs++;
  tally.hostileMessages++;
  if (outcome === 'ack-error') {
    const sentence = detail.replace(/"[^"]*"/g, '"…"').slice(0, 70);
    tally.errorSentences.set(sentence, (tally.errorSentences.get(sentence) ?? 0) + 1);
  }
  if (step.expect === 'answered') {
    if (outcome === 'ack-ok') tally.sdpAccepted++;
    else tally.sdpRefused++;
    return;
  }
  tally.expectingReply++;
  if (outcome === 'ack-error') tally.ackErrors++;
  else if (outcome === 'fatal') tally.fatals++;
  else if (outcome === 'closed') tally.transportCloses++;
}

describe('signaling under hostile input (sfu as a child process)', () => {
  let sfu: ChildProcess;
  let url: string;
  let realSdp: string;
  const tally = newTally();
  /** Steps in flight, to name the culprit if the sfu dies. */
  const inFlight = new Set<string>();
  let inFlightAtDeath: string[] = [];

  beforeAll(async () => {
    const [started, sdp] = await Promise.all([startSfuProcess({
        redisUrl: `${inject('redisUrl')}/7`,
        readyTimeoutMs: 30_000,
        // Thousands of connections from one address are the point here; the per-address limits have their own test (flood.test.ts).
        env: { MAX_CONNECTIONS_PER_IP: '100000', CONNECT_BURST_PER_IP: '100000', JOIN_BURST: '100000' },
      }), realOfferSdp()]);
    ({ sfu, url } = started);
    void sfu.waitForExit().then(() => (inFlightAtDeath = [...inFlight]));
    realSdp = sdp;
  });

  afterAll(async () => {
    await sfu?.stop();
  });

  it('answers every malformed or hostile message with a refusal or a disconnect, and keeps running', async () => {
    const master = new SeededRandom(SEED);
    const runId = `${SEED.toString(36)}${Date.now().toString(36)}`;
    const ctx: LaneContext = {
      url,
      realSdp,
      runId,
      record: (step, result) => record(tally, step, result),
      countExtraMessages: (count) => (tally.hostileMessages += count),
    };
    let lanesStarted = 0;
    const worker = async (): Promise<void> => {
      while (tally.hostileInputs < HOSTILE_INPUTS && !sfu.deathReason) {
        const lane = lanesStarted++;
        const key = `lane ${lane}`;
        inFlight.add(key);
        await runLane(master.fork(), ctx, lane);
        inFlight.delete(key);
      }
    };
    const floods = Array.from({ length: FLOOD_LANES }, () => runFloodLane(ctx, master.fork()));

    const wsModule = await import('ws').catch(() => undefined);
    const raw = async (): Promise<void> => {
      if (!wsModule) return console.warn('the ws package is not installed: raw WebSocket frames skipped');
      for (const testCase of rawFrameCases(master.fork())) {
        inFlight.add(testCase.label);
        const result = await runRawFrameCase(wsModule.default, url, testCase, 5_000);
        inFlight.delete(testCase.label);
        const step: Step = { label: testCase.label, event: 'raw', args: [], withAck: false, expect: testCase.expect === 'close' ? 'sizeLimit' : 'strictRefusal' };
        record(tally, step, result);
      }
    };

    const startedMs = Date.now();
    const startCpuS = cpuSeconds(sfu.pid);
    await Promise.all([...Array.from({ length: CONCURRENT_LANES }, worker), ...floods, raw()]);
    const elapsedS = ((Date.now() - startedMs) / 1000).toFixed(1);
    const sfuCpuS = sfu.deathReason ? Number.NaN : cpuSeconds(sfu.pid) - startCpuS;

    console.log(
      `seed ${SEED}: ${tally.hostileInputs} hostile inputs (${tally.hostileMessages} messages) over ${lanesStarted} lanes + ${FLOOD_LANES} floods in ${elapsedS} s (sfu CPU ${sfuCpuS.toFixed(1)} s); ` +
        `of ${tally.expectingReply} that need a reply: ${tally.ackErrors} ok:false, ${tally.fatals} fatal+disconnect, ${tally.transportCloses} closed by the transport; ` +
        `SDPs reaching werift: ${tally.sdpAccepted} answered, ${tally.sdpRefused} refused; ${tally.validRequests} valid requests, ${tally.ignored} ignored`,
    );
    const kinds = [...tally.byLabel].sort((a, b) => b[1].count - a[1].count);
    console.log(`inputs by kind (count, mean reply ms): ${kinds.map(([k, { count, totalMs }]) => `${k} ${count} ${(totalMs / count).toFixed(0)}`).join(', ')}`);
    console.log(`most common refusals:\n  ${[...tally.errorSentences].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, n]) => `${n} × ${k}`).join('\n  ')}`);
    if (tally.mismatches.length) console.log(`${tally.mismatches.length} unexpected replies, first ones:\n  ${tally.mismatches.slice(0, 30).join('\n  ')}`);

    expect(sfu.deathReason, `the sfu died with these inputs in flight: ${inFlightAtDeath.join(', ')}`).toBeUndefined();
    expect(tally.hostileInputs).toBeGreaterThanOrEqual(HOSTILE_INPUTS);
    expect(tally.mismatches).toEqual([]);
    expect(tally.ackErrors + tally.fatals + tally.transportCloses).toBe(tally.expectingReply);
  }, 120_000);

  it('still serves health checks and a normal room afterwards', async () => {
    expect(sfu.deathReason).toBeUndefined();
    expect(await httpOk(`${url}/healthz`)).toBe(true);
    const room = `after-fuzz-${Date.now().toString(36)}`;
    const listener = await WrtcParticipant.join({ url, room, name: 'Listener', speaks: 'en', reads: 'es' });
    const speaker = await WrtcParticipant.join({ url, room, name: 'Speaker', speaks: 'en', reads: 'en' });
    try {
      await speaker.startMicrophone();
      const sees = (p: WrtcParticipant, other: WrtcParticipant, withMic: boolean) => () => p.participants.some((x) => x.id === other.peerId && (!withMic || x.hasMic));
      await Promise.all([
        listener.waitForRoom(sees(listener, speaker, true), 'the speaker with a microphone in the list'),
        speaker.waitForRoom(sees(speaker, listener, false), 'the listener in the list'),
      ]);
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
    expect(sfu.deathReason).toBeUndefined();
  });
});
