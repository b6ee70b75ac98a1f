import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROSTER_MAX_INTERVAL_MS, RosterThrottle, rosterIntervalMs } from './RosterThrottle.js';

describe('RosterThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first change at once', () => {
    const send = vi.fn();
    new RosterThrottle(send, () => 1_000).changed();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('coalesces changes inside the interval into one send at its end', () => {
    const send = vi.fn();
    const throttle = new RosterThrottle(send, () => 1_000);
    throttle.changed();
    vi.advanceTimersByTime(100);
    throttle.changed();
    throttle.changed();
    throttle.changed();
    expect(send).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(899);
    expect(send).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(send).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(10_000);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('sends at once again after a quiet interval', () => {
    const send = vi.fn();
    const throttle = new RosterThrottle(send, () => 1_000);
    throttle.changed();
    vi.advanceTimersByTime(1_500);
    throttle.changed();
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('reads the interval at each change, so a room that shrank waits less', () => {
    const send = vi.fn();
    let intervalMs = 4_000;
    const throttle = new RosterThrottle(send, () => intervalMs);
    throttle.changed();
    intervalMs = 100;
    vi.advanceTimersByTime(100);
    throttle.changed();
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('drops a pending send when closed, and sends nothing after', () => {
    const send = vi.fn();
    const throttle = new RosterThrottle(send, () => 1_000);
    throttle.changed();
    throttle.changed();
    throttle.close();
    throttle.close();
    vi.advanceTimersByTime(5_000);
    throttle.changed();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('gives small rooms an interval under a tenth of a second and caps big ones', () => {
    expect(rosterIntervalMs(2)).toBeLessThan(100);
    expect(rosterIntervalMs(25)).toBeLessThanOrEqual(100);
    expect(rosterIntervalMs(1_000)).toBeGreaterThan(rosterIntervalMs(100));
    expect(rosterIntervalMs(1_000_000)).toBe(ROSTER_MAX_INTERVAL_MS);
  });
});
