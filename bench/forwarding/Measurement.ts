import type { BenchClient } from './BenchClient.js';
import type { Sample } from './clientMessages.js';
import { PERIOD_MS } from './markedSpeech.js';
import { childPids, commandName, cpuTimes, machineBusyS, rssMb, totalCpuS, udpSocketDrops, type CpuTimes } from './procStats.js';

/** Everything counted at one instant: the clients' counters and every process's CPU time. */
interface Snapshot {
  atMs: number;
  samples: Sample[];
  sfuNode: CpuTimes;
  /** The sfu's media worker processes, by pid (one may have been replaced in between). */
  workers: Map<number, CpuTimes>;
  /** CPU seconds of the client processes, by role. */
  wrtcS: number;
  crowdNodeS: number;
  crowdProgramS: number;
  machineBusyS: number;
  sfuSocketDrops: number;
}

/** One measured window. Rates are per second; cores are CPU seconds per second. */
export interface Window {
  seconds: number;
  forwardedPps: number;
  /** What the speaker sent in the window (packets). */
  sent: number;
  received: number;
  lost: number;
  sfuNodeCores: number;
  workerCores: number;
  workerUserCores: number;
  workerSystemCores: number;
  workerCount: number;
  wrtcCores: number;
  crowdNodeCores: number;
  crowdProgramCores: number;
  machineCores: number;
  sfuRssMb: number;
  workersRssMb: number;
  /** Datagrams dropped in the window at full receive buffers: the sfu's sockets, the listeners'. */
  sfuSocketDrops: number;
  listenerSocketDrops: number;
  srtpErrors: number;
  verified: number;
  silent: number;
  mediaFailed: number;
  mediaFailures: string[];
  fatal: number;
  fatalMessages: string[];
  /** Each probe's delays from a marker leaving the speaker to its onset being played out, ms. */
  delaysMsByProbe: Map<string, number[]>;
  /** Delays from a marker leaving the speaker to its first packet reaching a lightweight listener's socket, ms. */
  arrivalDelaysMs: number[];
}

/** Measures windows over the sfu (its Node process and its media workers) and the bench's clients. */
export class Measurement {
  /** Marker send times seen so far (sorted): a probe's onset is matched to the latest one before it. */
  private readonly markerSends: number[] = [];

  constructor(
    private readonly sfuPid: number,
    private readonly clients: BenchClient[],
  ) {}

  /** The sfu's media worker processes now. */
  workerPids(): number[] {
    return childPids(this.sfuPid).filter((pid) => commandName(pid).startsWith('mediasoup-work'));
  }

  async measure(windowMs: number): Promise<Window> {
    const before = await this.snapshot();
    await new Promise((r) => setTimeout(r, windowMs));
    const after = await this.snapshot();
    return this.diff(before, after);
  }

  private async snapshot(): Promise<Snapshot> {
    const samples = await Promise.all(this.clients.map((c) => c.request({ type: 'sample' }, 'sample', 60_000)));
    const workers = new Map(this.workerPids().map((pid) => [pid, cpuTimes(pid)]));
    let wrtcS = 0;
    let crowdNodeS = 0;
    let crowdProgramS = 0;
    this.clients.forEach((client, i) => {
      const own = client.pid ? totalCpuS(client.pid) : 0;
      if (client.kind === 'wrtc') wrtcS += own;
      else crowdNodeS += own;
      const program = samples[i]!.programPid;
      if (program) crowdProgramS += totalCpuS(program);
    });
    return {
      atMs: performance.now(),
      samples,
      sfuNode: cpuTimes(this.sfuPid),
      workers,
      wrtcS,
      crowdNodeS,
      crowdProgramS,
      machineBusyS: machineBusyS(),
      sfuSocketDrops: udpSocketDrops([...workers.keys()]),
    };
  }

  private diff(before: Snapshot, after: Snapshot): Window {
    const seconds = (after.atMs - before.atMs) / 1000;
    const sum = (snapshot: Snapshot, key: 'received' | 'lost' | 'sent' | 'socketDrops' | 'srtpErrors' | 'verified') =>
      snapshot.samples.reduce((n, s) => n + s[key], 0);
    const delta = (key: Parameters<typeof sum>[1]) => sum(after, key) - sum(before, key);
    let workerUser = 0;
    let workerSystem = 0;
    for (const [pid, end] of after.workers) {
      const start = before.workers.get(pid) ?? { userS: 0, systemS: 0 };
      workerUser += end.userS - start.userS;
      workerSystem += end.systemS - start.systemS;
    }
    for (const s of [...before.samples, ...after.samples]) this.markerSends.push(...s.markerSentMs);
    this.markerSends.sort((a, b) => a - b);
    const delaysMsByProbe = new Map<string, number[]>();
    for (const [probe, onsets] of after.samples.flatMap((s) => Object.entries(s.onsetsMsByProbe))) {
      // One onset per marker, the first: a glitch in the decoded audio can look like a second one.
      const markersHeard = new Set<number>();
      const delays: number[] = [];
      for (const onset of [...onsets].sort((a, b) => a - b)) {
        const sent = latestAtOrBefore(this.markerSends, onset);
        if (sent === undefined || markersHeard.has(sent) || onset - sent >= PERIOD_MS) continue;
        markersHeard.add(sent);
        delays.push(onset - sent);
      }
      delaysMsByProbe.set(probe, delays);
    }
    const arrivalDelaysMs: number[] = [];
    for (const arrival of after.samples.flatMap((s) => s.arrivalsMs)) {
      const sent = latestAtOrBefore(this.markerSends, arrival);
      if (sent !== undefined && arrival - sent < PERIOD_MS) arrivalDelaysMs.push(arrival - sent);
    }
    const received = delta('received');
    const workers = [...after.workers.keys()];
    const failures = after.samples.flatMap((s) => s.mediaFailures);
    return {
      seconds,
      forwardedPps: received / seconds,
      sent: delta('sent'),
      received,
      lost: delta('lost'),
      sfuNodeCores: (after.sfuNode.userS + after.sfuNode.systemS - before.sfuNode.userS - before.sfuNode.systemS) / seconds,
      workerCores: (workerUser + workerSystem) / seconds,
      workerUserCores: workerUser / seconds,
      workerSystemCores: workerSystem / seconds,
      workerCount: workers.length,
      wrtcCores: (after.wrtcS - before.wrtcS) / seconds,
      crowdNodeCores: (after.crowdNodeS - before.crowdNodeS) / seconds,
      crowdProgramCores: (after.crowdProgramS - before.crowdProgramS) / seconds,
      machineCores: (after.machineBusyS - before.machineBusyS) / seconds,
      sfuRssMb: rssMb(this.sfuPid),
      workersRssMb: workers.reduce((n, pid) => n + rssMb(pid), 0),
      sfuSocketDrops: after.sfuSocketDrops - before.sfuSocketDrops,
      listenerSocketDrops: delta('socketDrops'),
      srtpErrors: delta('srtpErrors'),
      verified: delta('verified'),
      silent: after.samples.reduce((n, s) => n + s.silent, 0),
      mediaFailed: after.samples.reduce((n, s) => n + s.mediaFailed, 0),
      mediaFailures: [...new Set(failures)].slice(0, 3),
      fatal: after.samples.reduce((n, s) => n + s.fatal, 0),
      fatalMessages: [...new Set(after.samples.flatMap((s) => s.fatalMessages))].slice(0, 3),
      delaysMsByProbe,
      arrivalDelaysMs,
    };
  }
}

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
