import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaWorkerPool } from './MediaWorkerPool.js';
import { RoomMedia } from './RoomMedia.js';

describe('RoomMedia (two real mediasoup workers)', () => {
  let pool: MediaWorkerPool;

  beforeAll(async () => {
    pool = await MediaWorkerPool.start(
      {
        workerCount: 2,
        workerBin: undefined,
        listen: [{ ip: '127.0.0.1' }],
        iceTcp: false,
        firstPort: undefined,
        consumersPerWorker: 1,
        iceConsentTimeoutSeconds: 30,
      },
      pino({ level: 'silent' }),
    );
  });

  afterAll(() => pool?.close());

  it('gives listeners arriving together one new router on the other worker, not one each', async () => {
    const media = await RoomMedia.create({ pool, consumersPerWorker: 1 });
    try {
      media.consumerAdded(media.primary);
      // Many joins at once find the first router full before any of them has placed a listener;
      // two routers on one worker could not both take the speaker's piped producer (same id).
      const slots = await Promise.all(Array.from({ length: 8 }, () => media.slotFor('recv')));
      expect(new Set(slots).size).toBe(1);
      expect(slots[0]!.worker).not.toBe(media.primary.worker);
      expect(media.routerCount).toBe(2);
    } finally {
      media.close();
    }
  });
});
