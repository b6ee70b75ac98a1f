/**
 * ioredis `retryStrategy` for every Parley connection: attempts 100 ms apart, growing to one every
 * half second, and never giving up. Work waiting for Redis resumes within half a second of its
 * return; a process that is kept waiting costs two connection attempts a second.
 */
export function redisReconnectDelayMs(attempts: number): number {
  return Math.min(attempts * 100, 500);
}
