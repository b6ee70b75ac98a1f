import { LIMITS } from '@parley/protocol';
import type { SeededRandom } from './SeededRandom.js';

// Generators of hostile signaling payloads. They do not decide what the server must do with them:
// the fuzzer runs each through socket.io's codec and the protocol's schemas (see PeerModel).

/** Keys that reach into prototypes when code merges or indexes objects carelessly. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', '__defineGetter__'] as const;

/** Event names socket.io-client refuses to send; everything else reaches the server. */
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

export const KNOWN_EVENTS = ['join', 'createTransports', 'connectTransport', 'produce', 'restartIce', 'mute', 'leave'] as const;

/** Sets a key as an own, enumerable property: `o['__proto__'] = v` would replace the prototype instead. */
export function withKey(target: object, key: string, value: unknown): object {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

export function validJoin(room: string): { room: string; name: string; speaks: 'en'; reads: 'es' } {
  return { room, name: 'Fuzz', speaks: 'en', reads: 'es' };
}

/** Any JSON-ish value, with binary attachments and prototype keys mixed in. */
export function randomValue(rng: SeededRandom, depth = 0): unknown {
  switch (rng.int(0, depth > 3 ? 5 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY]);
    case 3:
      return rng.string(40);
    case 4:
      return rng.pick(['', ' ', 'en', 'offer', 'answer', 'true', '[object Object]', 'v=0', '__proto__', 'constructor']);
    case 5:
      return Buffer.from(rng.string(24));
    case 6:
      return [];
    case 7:
      return Array.from({ length: rng.int(1, 5) }, () => randomValue(rng, depth + 1));
    case 8: {
      const o = {};
      for (let i = rng.int(1, 4); i > 0; i--) withKey(o, rng.chance(0.3) ? rng.pick(POLLUTING_KEYS) : rng.string(12), randomValue(rng, depth + 1));
      return o;
    }
    default:
      return pollutedObject(rng, {});
  }
}

/** `base` plus prototype-pollution keys carrying values that would matter if they leaked. */
export function pollutedObject(rng: SeededRandom, base: object): object {
  const o: object = { ...base };
  const payloads = [{ ok: true }, { polluted: 'yes', isAdmin: true }, { prototype: { polluted: 'yes' } }, 'polluted', 1];
  for (let i = rng.int(1, 3); i > 0; i--) withKey(o, rng.pick(POLLUTING_KEYS), rng.pick(payloads));
  return o;
}

/** An object nested `depth` levels deep (socket.io-client walks it recursively, so keep it moderate). */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/** JSON text nested `depth` levels deep, for raw frames (no client library walks it). */
export function nestedJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A value that is never a valid payload of any event. */
export function wrongShape(rng: SeededRandom): unknown {
  switch (rng.int(0, 11)) {
    case 0:
      return null;
    case 1:
      return rng.string(30);
    case 2:
      return rng.pick([0, -1, 3.14, 1e308]);
    case 3:
      return rng.chance(0.5);
    case 4:
      return Array.from({ length: rng.int(0, 6) }, () => randomValue(rng, 2));
    case 5:
      return Buffer.from(rng.string(64));
    case 6:
      return nested(rng.int(20, 300), rng.chance(0.5) ? 'array' : 'object');
    case 7:
      return new Array(rng.int(1_000, 6_000)).fill(0);
    case 8:
      return pollutedObject(rng, { [rng.string(8) || 'x']: randomValue(rng) });
    case 9:
      return JSON.parse('{"__proto__":{"ok":true,"room":"x","name":"y","speaks":"en","reads":"en"}}') as unknown;
    case 10:
      return JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}') as unknown;
    default:
      return [validJoin('array-wrapped')];
  }
}

/** A join request with one thing wrong: a bad field, a missing one, an extra one, or the wrong shape. */
export function hostileJoin(rng: SeededRandom, room: string): unknown {
  const base: Record<string, unknown> = validJoin(room);
  switch (rng.int(0, 6)) {
    case 0:
      return wrongShape(rng);
    case 1: {
      const { [rng.pick(['room', 'name', 'speaks', 'reads'])]: _dropped, ...rest } = base;
      return rest;
    }
    case 2:
      return {
        ...base,
        room: rng.pick<unknown>(['', '../etc/passwd', '-lead', '_x', 'a b', 'ròom', 'a/b', 'a\u0000b', 'x'.repeat(LIMITS.roomIdChars + 1), 42, null, ['r'], { r: 1 }, Buffer.from('room')]),
      };
    case 3:
      return {
        ...base,
        name: rng.pick<unknown>(['', '   ', '\t\n', 'x'.repeat(LIMITS.displayNameChars + 1), 'bell\u0007', 'nul\u0000', 'del\u007f', `esc\u001b[31m`, 7, null, {}, ['Ana'], true]),
      };
    case 4:
      return {
        ...base,
        [rng.pick(['speaks', 'reads'])]: rng.pick<unknown>(['EN', 'en-US', 'tlh', '', 'english', 'es ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 0, null, ['en']]),
      };
    case 5:
      return rng.chance(0.5) ? pollutedObject(rng, base) : { ...base, [rng.string(10) || 'extra']: randomValue(rng) };
    default:
      return { ...base, [rng.pick(['room', 'name'])]: rng.chance(0.5) ? nested(rng.int(10, 200), 'object') : new Array(rng.int(1_000, 5_000)).fill('x') };
  }
}

export function hostileMute(rng: SeededRandom): unknown {
  return rng.pick<() => unknown>([
    () => wrongShape(rng),
    () => ({}),
    () => ({ muted: rng.pick<unknown>(['true', 1, 0, null, [], {}, 'false', Buffer.from([1])]) }),
    () => ({ muted: true, [rng.string(6) || 'x']: 1 }),
    () => pollutedObject(rng, { muted: false }),
  ])();
}

/** A transport id of the right shape that no connection owns, or one the schema refuses. */
export function strangeTransportId(rng: SeededRandom): unknown {
  return rng.pick<() => unknown>([
    () => randomUUIDFrom(rng),
    () => rng.pick<unknown>(['', 'x'.repeat(65), 'a_b', '../recv', 'id with spaces', 'ID\u0000', '__proto__', 'constructor', 'toString']),
    () => rng.pick<unknown>([0, 1, null, true, [], {}, ['id'], Buffer.from('id')]),
    () => rng.string(20),
  ])();
}

/** A UUID drawn from the seeded generator: the shape mediasoup's ids have. */
export function randomUUIDFrom(rng: SeededRandom): string {
  const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** An event name no handler knows (reserved names are refused by the client library itself). */
export function unknownEvent(rng: SeededRandom): string | number {
  const name = rng.pick<string | number>([
    'error', 'caption', 'participants', 'fatal', 'newConsumer', 'consumerClosed', 'mediaReset', 'engines', 'activeSpeakers', '__proto__',
    'constructor', 'toString', 'hasOwnProperty', 'JOIN', 'join ', 'offer', 'ice', 'renegotiate', 'consume', 'resumeConsumer',
    'produce\u0000', '', 'x'.repeat(200), rng.string(20),
  ]);
  return typeof name === 'string' && RESERVED_EVENTS.has(name) ? 'reserved-looking' : name;
}
