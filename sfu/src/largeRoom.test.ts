import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { loadSfuConfig } from './config.js';
import { SfuServer } from './SfuServer.js';

describe('a room too large for one media process (real WebRTC, two mediasoup workers)', () => {
  let server: SfuServer;
  let url: string;
  const participants: WrtcParticipant[] = [];

  beforeAll(async () => {
    // Two listeners per media process, so that the third already goes to the other one.
    const config = loadSfuConfig({
      REDIS_URL: inject('redisUrl'),
      RTC_LISTEN_IP: '127.0.0.1',
      MEDIASOUP_WORKERS: '2',
      MEDIA_CONSUMERS_PER_WORKER: '2',
      LOG_LEVEL: 'silent',
    });
    server = new SfuServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await Promise.all(participants.map((p) => p.close()));
    await server?.close();
  });

  it('spreads listeners over both media processes through pipeToRouter, and every listener hears the speaker', async () => {
    const room = 'large-room';
    const speaker = await WrtcParticipant.join({ url, room, name: 'Speaker', speaks: 'en', reads: 'en' });
    participants.push(speaker);
    await speaker.startMicrophone();
    const stopTone = speaker.playTone(440);
    try {
      for (let i = 0; i < 4; i++) {
        const listener = await WrtcParticipant.join({ url, room, name: `L${i}`, speaks: 'en', reads: 'en' });
        participants.push(listener);
        await listener.startListening();
        await listener.waitForRoom(() => listener.remoteAudio(speaker.peerId) !== undefined, 'the speaker track');
        const track = listener.remoteAudio(speaker.peerId)!;
        await track.waitFor(() => track.hasTone(440), `listener ${i} hearing the speaker`);
      }
      const media = await server.roomRegistry!.get(room)!.ensureMedia();
      expect(media.routerCount).toBe(2);
      const consumersPerWorker = server.media!.workers.map((w) => w.consumers).sort();
      expect(consumersPerWorker).toEqual([2, 2]);
      // The speaker's audio reached the second router through a pipe (a producer of the same id there).
      const producerId = speaker.client.producer!.id;
      const [first, second] = media.slots;
      expect(first!.worker).not.toBe(second!.worker);
      for (const slot of media.slots) {
        const dump = await slot.router.dump();
        const consumers = dump.mapProducerIdConsumerIds.find((entry) => entry.key === producerId)?.values ?? [];
        // Two listeners on each router (plus, on the first, the pipe and the captioning tap).
        expect(consumers.length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await stopTone();
    }
  });
});
