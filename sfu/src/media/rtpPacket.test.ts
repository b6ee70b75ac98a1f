import { describe, expect, it } from 'vitest';
import { parseRtp } from './rtpPacket.js';

function packet({ csrcs = 0, extensionWords = -1, padding = 0, payload = [1, 2, 3] } = {}): Buffer {
  const header = Buffer.alloc(12 + csrcs * 4);
  header[0] = 0x80 | (padding ? 0x20 : 0) | (extensionWords >= 0 ? 0x10 : 0) | csrcs;
  header[1] = 111;
  header.writeUInt16BE(65_535, 2);
  header.writeUInt32BE(0xdead_beef, 4);
  const extension = extensionWords >= 0 ? Buffer.alloc(4 + extensionWords * 4, 7) : Buffer.alloc(0);
  if (extensionWords >= 0) {
    extension.writeUInt16BE(0xbede, 0);
    extension.writeUInt16BE(extensionWords, 2);
  }
  const pad = Buffer.alloc(padding);
  if (padding) pad[padding - 1] = padding;
  return Buffer.concat([header, extension, Buffer.from(payload), pad]);
}

describe('parseRtp', () => {
  it('reads sequence number, timestamp and payload', () => {
    expect(parseRtp(packet())).toEqual({ sequenceNumber: 65_535, timestamp: 0xdead_beef, payload: Buffer.from([1, 2, 3]) });
  });

  it('skips CSRCs and the header extension, and drops padding', () => {
    expect(parseRtp(packet({ csrcs: 2, extensionWords: 2, padding: 4 }))?.payload).toEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses what is not RTP or is cut short', () => {
    expect(parseRtp(Buffer.alloc(11))).toBeUndefined();
    const wrongVersion = packet();
    wrongVersion[0] = 0x40;
    expect(parseRtp(wrongVersion)).toBeUndefined();
    const truncated = packet({ extensionWords: 10 }).subarray(0, 20);
    expect(parseRtp(truncated)).toBeUndefined();
    const hugePadding = packet({ padding: 1 });
    hugePadding[hugePadding.length - 1] = 200;
    expect(parseRtp(hugePadding)).toBeUndefined();
  });
});
