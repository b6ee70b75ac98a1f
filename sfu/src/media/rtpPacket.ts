/** The parts of an RTP packet (RFC 3550) the speech pipeline needs; undefined for what is not RTP. */
export interface RtpFields {
  sequenceNumber: number;
  timestamp: number;
  payload: Buffer;
}

export function parseRtp(packet: Buffer): RtpFields | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  const hasPadding = (packet[0]! & 0x20) !== 0;
  const hasExtension = (packet[0]! & 0x10) !== 0;
  let offset = 12 + (packet[0]! & 0x0f) * 4;
  if (hasExtension) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (hasPadding) end -= packet[packet.length - 1]!;
  if (offset > end) return undefined;
  return { sequenceNumber: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4), payload: packet.subarray(offset, end) };
}
