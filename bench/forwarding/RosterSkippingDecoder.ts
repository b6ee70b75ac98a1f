import { Decoder } from 'socket.io-parser';

/**
 * socket.io's decoder, minus `participants` events. The sfu sends the whole roster to everyone on
 * every join, so N listeners sharing a process would parse O(N²) roster entries while the room
 * fills; bench listeners have no use for it and the client processes share the sfu's two cores.
 */
export class RosterSkippingDecoder extends Decoder {
  override add(packet: unknown): void {
    if (typeof packet === 'string' && packet.startsWith('2["participants"')) return;
    super.add(packet);
  }
}
