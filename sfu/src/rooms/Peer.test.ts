import { pino } from 'pino';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaWorkerPool } from '../media/MediaWorkerPool.js';
import { RoomMedia } from '../media/RoomMedia.js';
import { Peer } from './Peer.js';

/** A microphone's RTP parameters as mediasoup accepts them; `ssrc` and `mid` make a distinct stream. */
function microphone(ssrc: number, mid: string): types.RtpParameters {
  return {
    mid,
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48_000, channels: 2, parameters: { useinbandfec: 1 } }],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 }],
    encodings: [{ ssrc }],
    rtcp: { cname: 'peer-test' },
  };
}

const CLIENT_DTLS: types.DtlsParameters = {
  role: 'client',
  fingerprints: [{ algorithm: 'sha-256', value: 'A0:2B:C2:CF:59:97:EE:25:33:E9:2C:29:CA:B5:4B:FD:50:79:2A:D1:CE:D6:6A:1D:13:46:E4:13:D0:4F:03:60' }],
};

describe('Peer on a real mediasoup worker: requests that arrive twice', () => {
  let pool: MediaWorkerPool;
  let media: RoomMedia;
  let count = 0;

  beforeAll(async () => {
    pool = await MediaWorkerPool.start(
      { workerCount: 1, workerBin: undefined, listen: [{ ip: '127.0.0.1' }], iceTcp: false, firstPort: undefined, consumersPerWorker: 500, iceConsentTimeoutSeconds: 30 },
      pino({ level: 'silent' }),
    );
    media = await RoomMedia.create({ pool, consumersPerWorker: 500 });
  });

  afterAll(() => {
    media?.close();
    pool?.close();
  });

  async function peerWithTransports(): Promise<{ peer: Peer; send: string; recv: string }> {
    const peer = new Peer({ id: `peer-${++count}`, name: 'P', speaks: 'en', reads: 'en', media: () => Promise.resolve(media) });
    const { send, recv } = await peer.createTransports(media.rtpCapabilities, true);
    return { peer, send: send!.id, recv: recv.id };
  }

  it('makes one producer of two produce requests sent before either reply (one microphone per participant)', async () => {
    const { peer, send } = await peerWithTransports();
    try {
      const results = await Promise.allSettled([peer.produce(send, microphone(1111, '0')), peer.produce(send, microphone(2222, '1'))]);
      expect(results[0]!.status).toBe('fulfilled');
      expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'This participant already sends audio.' } });
      const transport = peer.transports.find((t) => t.direction === 'send')!.transport;
      expect((await transport.dump()).producerIds).toEqual([peer.producer!.id]);
    } finally {
      await peer.close();
    }
  });

  it('refuses a second connect of a transport with its own sentence, also when both are sent at once', async () => {
    const { peer, send, recv } = await peerWithTransports();
    try {
      await peer.connectTransport(send, CLIENT_DTLS);
      await expect(peer.connectTransport(send, CLIENT_DTLS)).rejects.toThrow(/^This transport is already connected\.$/);
      const together = await Promise.allSettled([peer.connectTransport(recv, CLIENT_DTLS), peer.connectTransport(recv, CLIENT_DTLS)]);
      expect(together[0]!.status).toBe('fulfilled');
      expect(together[1]).toMatchObject({ status: 'rejected', reason: { message: 'This transport is already connected.' } });
    } finally {
      await peer.close();
    }
  });

  it('lets a connect that mediasoup refused be tried again with good parameters', async () => {
    const { peer, send } = await peerWithTransports();
    try {
      await expect(peer.connectTransport(send, { role: 'client', fingerprints: [] })).rejects.toThrow(/^The transport could not be connected: /);
      await expect(peer.connectTransport(send, CLIENT_DTLS)).resolves.toBeUndefined();
    } finally {
      await peer.close();
    }
  });
});
