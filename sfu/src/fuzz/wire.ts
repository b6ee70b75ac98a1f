import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { LIMITS } from '@parley/protocol';

/** What the server's socket.io layer makes of an event the client library sends. */
export type WireView =
  /** A frame over maxHttpBufferSize: the WebSocket is closed before socket.io decodes anything. */
  | { kind: 'oversized'; bytes: number }
  /** socket.io's decoder refuses the packet (too many attachments, a reserved event name…): the connection is closed. */
  | { kind: 'undecodable'; error: string }
  /** The event name and arguments exactly as the server's handlers receive them (the ack excluded). */
  | { kind: 'event'; event: unknown; args: unknown[] };

/**
 * Runs an event through socket.io's own encoder (as the client library does) and decoder (as the
 * server does), so that expectations are computed on what the server really sees: `undefined`
 * becomes `null` in arrays and disappears from objects, NaN becomes null, buffers stay buffers.
 */
export function overTheWire(event: string | number, args: readonly unknown[], withAck: boolean): WireView {
  const packet: Packet = { type: PacketType.EVENT, nsp: '/', data: [event, ...args], ...(withAck ? { id: 1 } : {}) };
  const parts = new Encoder().encode(packet) as (string | Buffer)[];
  // engine.io prefixes a text frame with its packet type ("4", a message); binary frames go as they are.
  const bytes = Math.max(...parts.map((p) => (typeof p === 'string' ? Buffer.byteLength(p) + 1 : p.byteLength)));
  if (bytes > LIMITS.messageBytes) return { kind: 'oversized', bytes };
  const decoder = new Decoder();
  let decoded: Packet | undefined;
  decoder.on('decoded', (p: Packet) => (decoded = p));
  try {
    for (const part of parts) decoder.add(part);
  } catch (error) {
    return { kind: 'undecodable', error: (error as Error).message };
  } finally {
    decoder.destroy();
  }
  if (!decoded) return { kind: 'undecodable', error: 'the packet never completed' };
  const [name, ...rest] = decoded.data as unknown[];
  return { kind: 'event', event: name, args: rest };
}

/** The reply the server's ack callback receives (its first argument), as it arrives. */
export function replyOverTheWire(reply: unknown): WireView {
  return overTheWire('reply', [reply], false);
}
