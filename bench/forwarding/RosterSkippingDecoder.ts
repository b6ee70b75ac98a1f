import { Decoder } from 'socket.io-parser';

/**
 * socket.io's decoder, minus `participants` events. Each roster broadcast is the whole roster to
 * everyone, so N listeners sharing a process would parse N copies of N entries per broadcast while
 * the room fills; bench clients have no use for it and share the machine with the sfu.
 */
export class RosterSkippingDecoder extends Decoder {
  override add(packet: unknown): void {
    if (typeof packet === 'string' && packet.startsWith('2["participants"')) return;
    super.add(packet);
  }
}
