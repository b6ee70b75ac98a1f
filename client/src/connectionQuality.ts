/** How well the audio connection carries sound, from WebRTC statistics. */
export type ConnectionQuality = 'good' | 'poor' | 'bad';

/** Counters read from one transport's getStats(), summed over its streams. */
export interface QualitySample {
  atMs: number;
  /** Round-trip time of the selected ICE candidate pair, in seconds (undefined: not measured yet). */
  roundTripSeconds?: number;
  /** The pair's running totals, for the average round trip over an interval rather than one check's. */
  totalRoundTripSeconds?: number;
  roundTripResponses?: number;
  packetsReceived: number;
  packetsLost: number;
  /** The far end's report of what it lost of what we send (0–1), where it has sent one. */
  remoteFractionLost?: number;
}

// Thresholds from ITU-T G.114 (one-way delay past ~150 ms is noticed, past 400 ms unacceptable for
// conversation) and Opus with FEC (a few percent loss is hidden; past ~10 % speech breaks up).
const POOR_RTT_S = 0.3;
const BAD_RTT_S = 0.8;
const POOR_LOSS = 0.03;
const BAD_LOSS = 0.1;

/** Reads the counters that matter from a transport's RTCStatsReport. */
export function qualitySample(report: RTCStatsReport, atMs: number): QualitySample {
  const sample: QualitySample = { atMs, packetsReceived: 0, packetsLost: 0 };
  let selectedPair: string | undefined;
  const pairs = new Map<string, { rtt?: number; total?: number; responses?: number; nominated?: boolean; state?: string }>();
  report.forEach((raw: Record<string, unknown>) => {
    const type = raw.type;
    if (type === 'transport' && typeof raw.selectedCandidatePairId === 'string') selectedPair = raw.selectedCandidatePairId;
    else if (type === 'candidate-pair') {
      pairs.set(String(raw.id), {
        rtt: typeof raw.currentRoundTripTime === 'number' ? raw.currentRoundTripTime : undefined,
        total: typeof raw.totalRoundTripTime === 'number' ? raw.totalRoundTripTime : undefined,
        responses: typeof raw.responsesReceived === 'number' ? raw.responsesReceived : undefined,
        nominated: raw.nominated === true,
        state: typeof raw.state === 'string' ? raw.state : undefined,
      });
    } else if (type === 'inbound-rtp') {
      sample.packetsReceived += Number(raw.packetsReceived) || 0;
      sample.packetsLost += Math.max(0, Number(raw.packetsLost) || 0);
    } else if (type === 'remote-inbound-rtp' && typeof raw.fractionLost === 'number') {
      sample.remoteFractionLost = Math.max(sample.remoteFractionLost ?? 0, raw.fractionLost);
    }
  });
  const pair = (selectedPair && pairs.get(selectedPair)) || [...pairs.values()].find((p) => p.nominated && p.state === 'succeeded');
  if (pair?.rtt !== undefined) sample.roundTripSeconds = pair.rtt;
  if (pair?.total !== undefined && pair.responses !== undefined) {
    sample.totalRoundTripSeconds = pair.total;
    sample.roundTripResponses = pair.responses;
  }
  return sample;
}

/**
 * The quality between two samples of the same transport: loss is counted over the interval, not
 * since the start, so a bad minute long ago does not mark the connection poor forever.
 */
export function connectionQuality(previous: QualitySample | undefined, current: QualitySample): ConnectionQuality | undefined {
  let loss: number | undefined = current.remoteFractionLost;
  if (previous) {
    const received = current.packetsReceived - previous.packetsReceived;
    const lost = current.packetsLost - previous.packetsLost;
    if (received >= 0 && lost >= 0 && received + lost > 0) loss = Math.max(loss ?? 0, lost / (received + lost));
  }
  // One connectivity check can take long on a busy machine; the average over the interval is what a voice feels.
  let rtt = current.roundTripSeconds;
  const responses = (current.roundTripResponses ?? 0) - (previous?.roundTripResponses ?? 0);
  if (previous && responses > 0 && current.totalRoundTripSeconds !== undefined && previous.totalRoundTripSeconds !== undefined) {
    const total = current.totalRoundTripSeconds - previous.totalRoundTripSeconds;
    // A total that went backwards belongs to another candidate pair: keep the current check's figure.
    if (total >= 0) rtt = total / responses;
  }
  if (loss === undefined && rtt === undefined) return undefined;
  if ((loss ?? 0) >= BAD_LOSS || (rtt ?? 0) >= BAD_RTT_S) return 'bad';
  if ((loss ?? 0) >= POOR_LOSS || (rtt ?? 0) >= POOR_RTT_S) return 'poor';
  return 'good';
}

/** The worse of two qualities (a connection is as good as its worse direction). */
export function worseQuality(a: ConnectionQuality | undefined, b: ConnectionQuality | undefined): ConnectionQuality | undefined {
  const rank = { good: 0, poor: 1, bad: 2 } as const;
  if (!a) return b;
  if (!b) return a;
  return rank[a] >= rank[b] ? a : b;
}
