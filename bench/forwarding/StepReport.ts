import { percentile, sortedCopy } from '../lib/percentile.js';
import type { Window } from './Measurement.js';

export const MAX_LOSS = 0.01;
export const MIN_DELIVERED = 0.98;
export const MAX_ADDED_DELAY_MS = 50;

/** What ended the ramp. */
export type Limit = 'loss' | 'delay' | 'probe-delay' | 'client-cpu' | 'machine-busy' | 'joins' | 'sfu-died' | 'budget' | 'steps' | 'error';

export interface Step {
  target: number;
  listeners: number;
  probes: number;
  joinS: number;
  window: Window;
  /** Rates over the window, derived from it. */
  sfuCores: number;
  clientCores: number;
  packetsPerCpuS: number;
  loss: number;
  delivered: number;
  delayP50Ms: number;
  addedDelayP95Ms: number;
  /** Marker packets at the lightweight listeners' sockets: p50, and p95 less the first step's p50. */
  arrivalP50Ms: number;
  arrivalAddedP95Ms: number;
  markersHeard: number;
  markersExpected: number;
  problems: { limit: Limit; text: string }[];
}

/** The baselines' key for the lightweight listeners' marker packets (probes are keyed by name). */
const ARRIVALS = '*arrivals';

/** The p-th percentile (nearest rank) of unsorted values; NaN for none. */
function percentileOf(values: readonly number[], p: number): number {
  return percentile(sortedCopy(values), p);
}

/**
 * Judges one window. Delay is what forwarding added: each probe's delays minus that probe's own
 * median at the first step it was in (`baselines` is filled here), since receivers differ by tens
 * of ms in playout phase and jitter-buffer target, which is not forwarding.
 */
export function judge(
  input: {
    target: number;
    listeners: number;
    probes: number;
    joinS: number;
    joinErrors: string[];
    window: Window;
    cores: number;
    /** Whether the probes' playout delay may fail a step, or is only reported. */
    judgeProbeDelay: boolean;
  },
  baselines: Map<string, number>,
): Step {
  const w = input.window;
  const sfuCores = w.sfuNodeCores + w.workerCores;
  const clientCores = w.wrtcCores + w.crowdNodeCores + w.crowdProgramCores;
  const added: number[] = [];
  for (const [probe, delays] of w.delaysMsByProbe) {
    if (!baselines.has(probe) && delays.length > 0) baselines.set(probe, percentileOf(delays, 50));
    const baseline = baselines.get(probe);
    if (baseline !== undefined) added.push(...delays.map((d) => d - baseline));
  }
  const delays = [...w.delaysMsByProbe.values()].flat();
  if (!baselines.has(ARRIVALS) && w.arrivalDelaysMs.length > 0) baselines.set(ARRIVALS, percentileOf(w.arrivalDelaysMs, 50));
  const step: Step = {
    target: input.target,
    listeners: input.listeners,
    probes: input.probes,
    joinS: input.joinS,
    window: w,
    sfuCores,
    clientCores,
    packetsPerCpuS: sfuCores > 0 ? w.forwardedPps / sfuCores : Number.NaN,
    loss: w.received + w.lost > 0 ? w.lost / (w.received + w.lost) : 0,
    delivered: input.listeners > 0 && w.sent > 0 ? w.received / (w.sent * input.listeners) : Number.NaN,
    delayP50Ms: percentileOf(delays, 50),
    addedDelayP95Ms: percentileOf(added, 95),
    arrivalP50Ms: percentileOf(w.arrivalDelaysMs, 50),
    arrivalAddedP95Ms: percentileOf(w.arrivalDelaysMs, 95) - (baselines.get(ARRIVALS) ?? Number.NaN),
    markersHeard: delays.length,
    markersExpected: input.probes * Math.floor(w.seconds),
    problems: [],
  };
  const problems = step.problems;
  if (input.listeners < input.target * 0.99) {
    problems.push({ limit: 'joins', text: `only ${input.listeners} of ${input.target} listeners joined (${input.joinErrors.join('; ')})` });
  }
  if (w.fatal > 0) problems.push({ limit: 'joins', text: `the sfu hung up on ${w.fatal} participants (${w.fatalMessages.join('; ')})` });
  if (w.mediaFailed > 0) problems.push({ limit: 'loss', text: `${w.mediaFailed} listeners lost their media (${w.mediaFailures.join('; ')})` });
  if (w.srtpErrors > 0) problems.push({ limit: 'loss', text: `${w.srtpErrors} packets failed SRTP authentication` });
  if (!(step.loss < MAX_LOSS)) problems.push({ limit: 'loss', text: `loss ${(step.loss * 100).toFixed(2)} %` });
  if (!(step.delivered >= MIN_DELIVERED)) problems.push({ limit: 'loss', text: `delivered ${(step.delivered * 100).toFixed(1)} %` });
  if (input.judgeProbeDelay && !(step.addedDelayP95Ms < MAX_ADDED_DELAY_MS)) {
    problems.push({ limit: 'delay', text: `added delay p95 ${step.addedDelayP95Ms.toFixed(1)} ms` });
  }
  if (!(step.arrivalAddedP95Ms < MAX_ADDED_DELAY_MS) && w.arrivalDelaysMs.length > 0) {
    problems.push({ limit: 'delay', text: `marker packets' added delay p95 ${step.arrivalAddedP95Ms.toFixed(1)} ms` });
  }
  if (step.markersHeard < step.markersExpected / 2) {
    problems.push({ limit: 'delay', text: `only ${step.markersHeard} of ${step.markersExpected} markers heard` });
  }
  // Loss or delay on a full machine says more about what else ran than about the sfu: the bench's
  // own listeners (or their sockets overflowing), or other programs.
  // The probes' playout delay grew while the marker packets reached the other listeners on time:
  // their jitter buffers (or their processes) added it, not the forwarding.
  const packetsOnTime = w.arrivalDelaysMs.length > 0 && step.arrivalAddedP95Ms < MAX_ADDED_DELAY_MS;
  if (packetsOnTime && !(step.addedDelayP95Ms < MAX_ADDED_DELAY_MS)) {
    const probeDelay = problems.find((p) => p.text.startsWith('added delay'));
    if (probeDelay) {
      probeDelay.limit = 'probe-delay';
      probeDelay.text += ` at the probes, while marker packets reached the other listeners in p95 +${step.arrivalAddedP95Ms.toFixed(1)} ms`;
    }
  }
  const quality = problems.some((p) => p.limit === 'loss' || p.limit === 'delay' || p.limit === 'probe-delay');
  const machineFull = w.machineCores >= 0.9 * input.cores;
  const others = w.machineCores - sfuCores - clientCores;
  if (quality && w.listenerSocketDrops > 0 && w.listenerSocketDrops >= 0.5 * w.lost) {
    problems.unshift({ limit: 'client-cpu', text: `the listeners' own sockets dropped ${w.listenerSocketDrops} packets (they could not keep up)` });
  } else if (quality && machineFull && others > 0.25 * input.cores) {
    problems.unshift({ limit: 'machine-busy', text: `other programs kept ${others.toFixed(2)} of ${input.cores} cores busy` });
  } else if (quality && machineFull && clientCores > sfuCores) {
    problems.unshift({
      limit: 'client-cpu',
      text: `the bench's listeners used ${clientCores.toFixed(2)} cores against the sfu's ${sfuCores.toFixed(2)} on a full machine`,
    });
  }
  return step;
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** Two lines per window: what was forwarded and at what cost, then quality and the clients. */
export function formatStep(step: Step, remeasured: boolean, cores: number): string {
  const w = step.window;
  const others = Math.max(0, w.machineCores - step.sfuCores - step.clientCores);
  const verdict = step.problems.length ? `FAIL: ${step.problems.map((p) => p.text).join(', ')}` : 'ok';
  return (
    `listeners ${String(step.listeners).padStart(4)} (${step.probes} decoding)${remeasured ? ', measured again' : ''}: ` +
    `forwarded ${n0(w.forwardedPps)} pkt/s | sfu ${f(step.sfuCores)} cores = node ${f(w.sfuNodeCores)} + ${w.workerCount} workers ${f(w.workerCores)} ` +
    `(user ${f(w.workerUserCores)}, kernel ${f(w.workerSystemCores)}) | ${n0(step.packetsPerCpuS)} pkt/CPU-s | ` +
    `rss node ${f(w.sfuRssMb, 0)} + workers ${f(w.workersRssMb, 0)} MB\n` +
    `      loss ${f(step.loss * 100)} %, delivered ${f(step.delivered * 100, 1)} % | delay p50 ${f(step.delayP50Ms, 1)} ms, ` +
    `added p95 ${f(step.addedDelayP95Ms, 1)} ms (${step.markersHeard}/${step.markersExpected} markers); marker packets reach ` +
    `the other listeners in p50 ${f(step.arrivalP50Ms, 1)} ms, added p95 ${f(step.arrivalAddedP95Ms, 1)} ms (${w.arrivalDelaysMs.length}) | ` +
    `listeners' processes ${f(step.clientCores)} cores (parley-listener ${f(w.crowdProgramCores)}, their signaling ${f(w.crowdNodeCores)}, ` +
    `libwebrtc ${f(w.wrtcCores)}) | machine ${f(w.machineCores)} of ${cores} cores busy, ${f(others)} by other programs | ` +
    `drops: sfu sockets ${w.sfuSocketDrops}, listener sockets ${w.listenerSocketDrops} | joined in ${f(step.joinS, 1)} s | ${verdict}`
  );
}
