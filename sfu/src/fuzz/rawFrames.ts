import type WebSocket from 'ws';
import { LIMITS } from '@parley/protocol';
import type { StepResult } from './FuzzConnection.js';
import { nestedJson } from './hostilePayloads.js';
import type { SeededRandom } from './SeededRandom.js';

/** Frames sent on a bare WebSocket, below socket.io: what a hand-written client could send. */
export interface RawFrameCase {
  label: string;
  /** Sent in order after the engine.io handshake (and the socket.io CONNECT unless `beforeConnect`). */
  frames: (string | Buffer | { invalidUtf8: Buffer })[];
  beforeConnect?: boolean;
  /** `close`: the server must drop the connection; `ackError`: the event is valid socket.io and gets `ok: false`. */
  expect: 'close' | 'ackError';
}

export function rawFrameCases(rng: SeededRandom): RawFrameCase[] {
  const close = (label: string, ...frames: RawFrameCase['frames']): RawFrameCase => ({ label, frames, expect: 'close' });
  const ack = (label: string, json: string): RawFrameCase => ({ label, frames: [`421${json}`], expect: 'ackError' });
  return [
    close('raw:text-not-a-packet', 'hello'),
    close('raw:empty-text', ''),
    close('raw:bare-message-type', '4'),
    close('raw:truncated-json', '42['),
    close('raw:truncated-event', '42["join",{"room":'),
    close('raw:unknown-engine-type', '9'),
    close('raw:unknown-socketio-type', '49'),
    close('raw:message-is-object', '4{"a":1}'),
    close('raw:digits', '45555555555'),
    close('raw:second-connect', '40'),
    close('raw:client-ping-probe', '2probe'),
    close('raw:event-name-object', '42[{"a":1}]'),
    close('raw:event-name-array', `42[${nestedJson(2_000, 'array')}]`),
    close('raw:event-not-array', '42{"join":1}'),
    close('raw:reserved-event', '42["disconnect"]'),
    close('raw:binary-junk', Buffer.from([1, 2, 3, 255])),
    close('raw:binary-random', Buffer.from(Array.from({ length: 1_000 }, () => rng.int(0, 255)))),
    close('raw:invalid-utf8', { invalidUtf8: Buffer.from([0x34, 0x32, 0xc3, 0x28, 0xff]) }),
    close('raw:over-max-payload', `42["join","${'x'.repeat(LIMITS.messageBytes + 10)}"]`),
    close('raw:text-while-awaiting-attachment', '451-["join",{"_placeholder":true,"num":0}]', '42["leave"]'),
    close('raw:attachment-index-out-of-range', '451-["join",{"_placeholder":true,"num":7}]', Buffer.from([1])),
    { label: 'raw:event-before-connect', frames: ['42["join",{}]'], beforeConnect: true, expect: 'close' },
    ack('raw:deep-array-payload', `["join",${nestedJson(15_000, 'array')}]`),
    ack('raw:deep-object-payload', `["offer",${nestedJson(5_000, 'object')}]`),
    ack('raw:duplicate-keys', '["join",{"room":"fine","room":"../x","name":"n","speaks":"en","reads":"en"}]'),
    ack('raw:proto-key', '["join",{"room":"r","name":"n","speaks":"en","reads":"en","__proto__":{"ok":true}}]'),
    ack('raw:constructor-key', '["mute",{"muted":true,"constructor":{"prototype":{"polluted":1}}}]'),
    ack('raw:numeric-event', '[5,{}]'),
    ack('raw:huge-number', '["mute",{"muted":1e400}]'),
  ];
}

/**
 * Runs one case on its own WebSocket: engine.io handshake, socket.io CONNECT, then the frames.
 * Resolves with 'closed' if the server dropped the connection, the ack's classification, or 'silent'.
 */
export async function runRawFrameCase(
  WebSocketClass: typeof WebSocket,
  url: string,
  testCase: RawFrameCase,
  timeoutMs: number,
): Promise<StepResult> {
  const startMs = performance.now();
  const result = (outcome: StepResult['outcome'], detail: string): StepResult => ({ outcome, detail, elapsedMs: performance.now() - startMs });
  const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocketClass(wsUrl, { headers: { origin: url } });
  const messages: string[] = [];
  let wake: (() => void) | undefined;
  let closed: string | undefined;
  ws.on('message', (data: Buffer) => {
    messages.push(data.toString());
    wake?.();
  });
  ws.on('close', (code: number) => {
    closed = `closed (${code})`;
    wake?.();
  });
  ws.on('error', () => undefined);
  const waitUntil = (done: () => boolean): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(done()), timeoutMs);
      const check = (): void => {
        if (done() || closed) {
          clearTimeout(timer);
          wake = undefined;
          resolve(done());
        }
      };
      wake = check;
      check();
    });
  try {
    await waitUntil(() => messages.some((m) => m.startsWith('0{')));
    if (!testCase.beforeConnect && !closed) {
      ws.send('40');
      await waitUntil(() => messages.some((m) => m.startsWith('40')));
    }
    if (closed) return result('silent', `closed during the handshake: ${closed}`);
    for (const frame of testCase.frames) {
      if (typeof frame === 'string') ws.send(frame);
      else if (Buffer.isBuffer(frame)) ws.send(frame, { binary: true });
      else ws.send(frame.invalidUtf8, { binary: false });
    }
    const ackFrame = (): string | undefined => messages.find((m) => m.startsWith('431'));
    await waitUntil(() => closed !== undefined || ackFrame() !== undefined);
    const ackText = ackFrame();
    if (ackText) {
      const reply = (JSON.parse(ackText.slice(3)) as unknown[])[0] as { ok?: unknown; error?: unknown } | undefined;
      if (reply?.ok === false && typeof reply.error === 'string' && reply.error.trim()) return result('ack-error', reply.error);
      return result(reply?.ok === true ? 'ack-ok' : 'ack-malformed', ackText.slice(0, 200));
    }
    if (closed) return result('closed', closed);
    return result('silent', `still open after ${timeoutMs} ms; got ${messages.map((m) => m.slice(0, 30)).join(' | ')}`);
  } finally {
    ws.terminate();
  }
}
