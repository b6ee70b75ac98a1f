import { expect, it } from 'vitest';
import { KeyedRateLimiter } from './KeyedRateLimiter.js';

it('limits each key on its own: a burst, then the sustained rate; idle keys are forgotten', () => {
  let nowMs = 0;
  const limiter = new KeyedRateLimiter(3, 1, () => nowMs, 4);
  expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
  expect(limiter.take('b')).toBe(true);
  nowMs += 1_000;
  expect(limiter.take('a')).toBe(true);
  expect(limiter.take('a')).toBe(false);
  nowMs += 10_000;
  for (const key of ['c', 'd', 'e', 'f']) limiter.take(key);
  expect(limiter.size).toBeLessThanOrEqual(4);
});
