import type { TestProject } from 'vitest/node';
import { ChildProcess } from './lib/ChildProcess.js';
import { freePort, httpOk, portOpen, waitFor } from './lib/freePort.js';
import { mediasoupWorkerBin } from './lib/mediasoupWorker.js';
import { redisServerArgs } from './lib/services.js';

/** Real Redis and apertium-apy for the unit tests, on free loopback ports, stopped afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // In the environment before the test processes fork, so that every sfu they start finds it.
  mediasoupWorkerBin();
  const redisPort = await freePort();
  const apyPort = await freePort();
  const redis = new ChildProcess({
    name: 'redis',
    command: 'redis-server',
    args: redisServerArgs(redisPort),
  });
  const apy = new ChildProcess({ name: 'apertium', command: 'apertium-apy', args: ['-p', String(apyPort), '/usr/share/apertium/modes'] });
  const apertiumUrl = `http://127.0.0.1:${apyPort}`;
  await waitFor('apertium-apy', () => httpOk(`${apertiumUrl}/listPairs`), 30_000, () => apy.deathReason);
  await waitFor('redis', () => portOpen(redisPort), 15_000, () => redis.deathReason);
  project.provide('redisUrl', `redis://127.0.0.1:${redisPort}`);
  project.provide('apertiumUrl', apertiumUrl);
  return async () => {
    await Promise.all([redis.stop(), apy.stop()]);
  };
}
