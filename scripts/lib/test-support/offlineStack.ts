import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { ParleyStack, type ParleyStackOptions } from '../ParleyStack.js';

export interface OfflineStackOptions extends Omit<ParleyStackOptions, 'offlineEngines' | 'redisUrl' | 'apertiumUrl' | 'logDir'> {
  /** This file's database on the suite's Redis server (each test file has its own). */
  db: number;
  /** Where the processes' logs go, under test-results/. */
  logDir: string;
}

export interface OfflineStack {
  /** The running stack; only inside tests and hooks. */
  readonly stack: ParleyStack;
  /** A client of the stack's Redis database, opened on first use and closed with the stack. */
  readonly redis: Redis;
}

/**
 * The whole of Parley on the offline engines (pocketsphinx, Apertium) for the tests of one file:
 * started before them on the file's own database of the suite's Redis and the suite's Apertium,
 * stopped after them. Options given as a function are read when the stack starts.
 */
export function useOfflineStack(options: OfflineStackOptions | (() => OfflineStackOptions)): OfflineStack {
  let stack: ParleyStack | undefined;
  let redis: Redis | undefined;

  beforeAll(async () => {
    const { db, ...rest } = typeof options === 'function' ? options() : options;
    stack = await new ParleyStack({ ...rest, offlineEngines: true, redisUrl: `${inject('redisUrl')}/${db}`, apertiumUrl: inject('apertiumUrl') }).start();
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  return {
    get stack() {
      if (!stack) throw new Error('the stack is not running: use it inside a test or a hook after it started');
      return stack;
    },
    get redis() {
      redis ??= new Redis(this.stack.redisUrl);
      return redis;
    },
  };
}
