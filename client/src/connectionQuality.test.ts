import { describe, expect, it } from 'vitest';
import { connectionQuality, qualitySample, worseQuality, type QualitySample } from './connectionQuality.js';

/** A stats report as getStats() gives it: a map of id → stats object. */
function report(...stats: Record<string, unknown>[]): RTCStatsReport {
  return new Map(stats.map((s) => [String(s.id), s])) as unknown as RTCStatsReport;
}

const sample = (packetsReceived: number, packetsLost: number, roundTripSeconds?: number): QualitySample => ({
  atMs: 0,
  packetsReceived,
  packetsLost,
  ...(roundTripSeconds === undefined ? {} : { roundTripSeconds }),
});

describe('qualitySample', () => {
  it('sums inbound streams and takes the round trip of the selected candidate pair', () => {
    const s = qualitySample(
      report(
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
        { id: 'P1', type: 'candidate-pair', currentRoundTripTime: 0.9, nominated: true, state: 'failed' },
        { id: 'P2', type: 'candidate-pair', currentRoundTripTime: 0.02, totalRoundTripTime: 3, responsesReceived: 150, nominated: true, state: 'succeeded' },
        { id: 'I1', type: 'inbound-rtp', packetsReceived: 100, packetsLost: 2 },
        { id: 'I2', type: 'inbound-rtp', packetsReceived: 50, packetsLost: -1 },
        { id: 'R', type: 'remote-inbound-rtp', fractionLost: 0.05 },
      ),
      7,
    );
    expect(s).toEqual({ atMs: 7, packetsReceived: 150, packetsLost: 2, roundTripSeconds: 0.02, totalRoundTripSeconds: 3, roundTripResponses: 150, remoteFractionLost: 0.05 });
  });

  it('falls back to the nominated, succeeded pair where no transport names one', () => {
    const s = qualitySample(report({ id: 'P', type: 'candidate-pair', currentRoundTripTime: 0.1, nominated: true, state: 'succeeded' }), 0);
    expect(s.roundTripSeconds).toBe(0.1);
    expect(qualitySample(report(), 0)).toEqual({ atMs: 0, packetsReceived: 0, packetsLost: 0 });
  });
});

describe('connectionQuality', () => {
  it('is unknown with nothing measured, good on a clean short path', () => {
    expect(connectionQuality(undefined, sample(0, 0))).toBeUndefined();
    expect(connectionQuality(sample(0, 0), sample(200, 0, 0.01))).toBe('good');
  });

  it('counts loss over the interval only', () => {
    // 50 lost long ago, none since: good.
    expect(connectionQuality(sample(1000, 50), sample(1200, 50))).toBe('good');
    expect(connectionQuality(sample(1000, 50), sample(1190, 60))).toBe('poor');
    expect(connectionQuality(sample(1000, 50), sample(1150, 100))).toBe('bad');
  });

  it('marks a long round trip or loss the far end reports', () => {
    expect(connectionQuality(undefined, sample(0, 0, 0.4))).toBe('poor');
    expect(connectionQuality(undefined, sample(0, 0, 1.2))).toBe('bad');
    expect(connectionQuality(undefined, { ...sample(0, 0), remoteFractionLost: 0.2 })).toBe('bad');
  });

  it('averages the round trip over the interval, so one slow check does not mark the connection bad', () => {
    const before = { ...sample(100, 0, 0.01), totalRoundTripSeconds: 1.0, roundTripResponses: 100 };
    const after = { ...sample(300, 0, 0.9), totalRoundTripSeconds: 1.0 + 0.9 + 0.01 * 9, roundTripResponses: 110 };
    expect(connectionQuality(before, after)).toBe('good');
    const slow = { ...sample(300, 0, 0.9), totalRoundTripSeconds: 1.0 + 0.9 * 10, roundTripResponses: 110 };
    expect(connectionQuality(before, slow)).toBe('bad');
  });

  it("takes the current check's round trip when the totals went backwards (another candidate pair)", () => {
    const before = { ...sample(100, 0, 0.01), totalRoundTripSeconds: 50, roundTripResponses: 100 };
    const after = { ...sample(300, 0, 0.9), totalRoundTripSeconds: 1, roundTripResponses: 110 };
    expect(connectionQuality(before, after)).toBe('bad');
  });

  it('ignores counters that went backwards (a new stream)', () => {
    expect(connectionQuality(sample(1000, 50, 0.01), sample(10, 0, 0.01))).toBe('good');
  });

  it('takes the worse of two directions', () => {
    expect(worseQuality('good', 'poor')).toBe('poor');
    expect(worseQuality('bad', 'poor')).toBe('bad');
    expect(worseQuality(undefined, 'good')).toBe('good');
    expect(worseQuality('poor', undefined)).toBe('poor');
  });
});
