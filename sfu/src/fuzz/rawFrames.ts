import WebSocket from 'ws';
import { Decoder, PacketType, type Packet } from 'socket.io-parser';
import { LIMITS } from '@parley/protocol';
import { expect, outcomeAllowed, type Expectation, type StepResult } from './expectations.js';
import { nestedJson } from './hostilePayloads.js';
import { PeerModel } from './PeerModel.js';
import type { SeededRandom } from './SeededRandom.js';

/** Frames sent on a bare WebSocket, below socket.io: what a hand-written client could send. */
export interface RawFrameCase {
  label: string;
  /** Sent in order after the engine.io handshake (and the socket.io CONNECT unless `beforeConnect`). */
  frames: (string | Buffer | { invalidUtf8: Buffer })[];
  beforeConnect?: boolean;
  expectation: Expectation;
}

/** The request every "ignored" case is followed by; before joining, the server must refuse it. */
const PROBE_FRAME = '4299["restartIce",{"transportId":"probe"}]';

/**
 * What the server must do with one socket.io packet sent as text (without engine.io's "4"): the
 * same decoder the server uses reads it, and events go to the model of a connection that has not
 * joined. Acknowledgements of nothing are ignored; packets the decoder refuses close the connection.
 */
export function expectationForPacket(packet: string): Expectation {
  const decoder = new Decoder();
  let decoded: Packet | undefined;
  decoder.on('decoded', (p: Packet) => (decoded = p));
  try {
    decoder.add(packet);
  } catch {
    return expect.undecodable();
  } finally {
    decoder.destroy();
  }
  if (!decoded) return expect.undecodable();
  if (decoded.type === PacketType.ACK) return expect.ignored();
  // The socket is connected to "/" only: anything else in another namespace, or a second CONNECT, ends it.
  if (decoded.type !== PacketType.EVENT || decoded.nsp !== '/') return expect.undecodable();
  const [event, ...args] = decoded.data as unknown[];
  return new PeerModel().expectation({ kind: 'event', event, args }, decoded.id !== undefined);
}

export function rawFrameCases(rng: SeededRandom): RawFrameCase[] {
  const closes = (label: string, ...frames: RawFrameCase['frames']): RawFrameCase => ({ label, frames, expectation: expect.undecodable() });
  const packet = (label: string, text: string): RawFrameCase => ({ label, frames: [`4${text}`], expectation: expectationForPacket(text) });
  return [
    closes('raw:text-not-a-packet', 'hello'),
    closes('raw:empty-text', ''),
    closes('raw:bare-message-type', '4'),
    closes('raw:unknown-engine-type', '9'),
    closes('raw:message-is-object', '4{"a":1}'),
    closes('raw:client-ping-probe', '2probe'),
    closes('raw:binary-junk', Buffer.from([1, 2, 3, 255])),
    closes('raw:binary-random', Buffer.from(Array.from({ length: 1_000 }, () => rng.int(0, 255)))),
    closes('raw:invalid-utf8', { invalidUtf8: Buffer.from([0x34, 0x32, 0xc3, 0x28, 0xff]) }),
    closes('raw:over-max-payload', `42["join","${'x'.repeat(LIMITS.messageBytes + 10)}"]`),
    closes('raw:text-while-awaiting-attachment', '451-["join",{"_placeholder":true,"num":0}]', '42["leave"]'),
    closes('raw:attachment-index-out-of-range', '451-["join",{"_placeholder":true,"num":7}]', Buffer.from([1])),
    { label: 'raw:event-before-connect', frames: ['42["join",{}]'], beforeConnect: true, expectation: expect.undecodable() },
    packet('raw:truncated-json', '2['),
    packet('raw:truncated-event', '2["join",{"room":'),
    packet('raw:unknown-socketio-type', '9'),
    packet('raw:digits', '5555555555'),
    packet('raw:second-connect', '0'),
    packet('raw:event-name-object', '2[{"a":1}]'),
    packet('raw:event-name-array', `2[${nestedJson(2_000, 'array')}]`),
    packet('raw:event-not-array', '2{"join":1}'),
    packet('raw:reserved-event', '2["disconnect"]'),
    packet('raw:event-other-namespace', '2/admin,["join",{}]'),
    packet('raw:ack-not-array', '37{"ok":true}'),
    packet('raw:deep-array-payload', `21["join",${nestedJson(15_000, 'array')}]`),
    packet('raw:deep-object-payload', `21["produce",${nestedJson(5_000, 'object')}]`),
    packet('raw:duplicate-keys', '21["join",{"room":"fine","room":"../x","name":"n","speaks":"en","reads":"en"}]'),
    packet('raw:proto-key', '21["join",{"room":"r","name":"n","speaks":"en","reads":"en","__proto__":{"ok":true}}]'),
    packet('raw:constructor-key', '21["mute",{"muted":true,"constructor":{"prototype":{"polluted":1}}}]'),
    packet('raw:numeric-event', '21[5,{}]'),
    packet('raw:huge-number', '21["mute",{"muted":1e400}]'),
    packet('raw:proto-in-codec-parameters', '21["createTransports",{"send":true,"rtpCapabilities":{"codecs":[{"kind":"audio","mimeType":"audio/opus","clockRate":48000,"parameters":{"__proto__":{"ok":true}}}]}}]'),
    packet('raw:server-event-from-client', '21["newConsumer",{"consumerId":"x"}]'),
    packet('raw:server-event-no-ack', '2["consumerClosed",{"consumerId":"x"}]'),
    packet('raw:join-without-ack', '2["join",{"room":"r","name":"n","speaks":"en","reads":"en"}]'),
    packet('raw:leave-with-payload', '21["leave",{}]'),
    packet('raw:stray-ack', '3123[{"ok":true}]'),
    { label: 'raw:stray-binary-ack', frames: ['461-7[{"_placeholder":true,"num":0}]', Buffer.from('{"ok":true}')], expectation: expect.ignored() },
    { label: 'raw:other-namespace-connect', frames: ['40/admin,'], expectation: expect.ignored() },
  ];
}

/**
 * A bare WebSocket speaking engine.io and socket.io by hand: everything it receives is kept, so
 * that a case can wait for a reply, a `fatal` or the close.
 */
export class RawSocket {
  readonly messages: string[] = [];
  closed: string | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(data.toString());
      this.wake?.();
    });
    ws.on('close', (code: number) => {
      this.closed = `closed (${code})`;
      this.wake?.();
    });
    ws.on('error', () => undefined);
  }

  /** Opens the WebSocket and waits for engine.io's handshake, then (unless `connect` is false) socket.io's CONNECT. */
  static async open(url: string, connect: boolean, timeoutMs: number): Promise<RawSocket> {
    const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const socket = new RawSocket(new WebSocket(wsUrl, { headers: { origin: url } }));
    await socket.waitUntil(() => socket.messages.some((m) => m.startsWith('0{')), timeoutMs);
    if (connect && !socket.closed) {
      socket.send('40');
      await socket.waitUntil(() => socket.messages.some((m) => m.startsWith('40')), timeoutMs);
    }
    return socket;
  }

  send(frame: RawFrameCase['frames'][number]): void {
    if (typeof frame === 'string') this.ws.send(frame);
    else if (Buffer.isBuffer(frame)) this.ws.send(frame, { binary: true });
    else this.ws.send(frame.invalidUtf8, { binary: false });
  }

  /** Resolves with `done()` once it holds or the socket closed, or after timeoutMs. */
  waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(done()), timeoutMs);
      const check = (): void => {
        if (done() || this.closed) {
          clearTimeout(timer);
          this.wake = undefined;
          resolve(done());
        }
      };
      this.wake = check;
      check();
    });
  }

  /** Drops the TCP connection at once, without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}

/**
 * Runs one case on its own WebSocket: engine.io handshake, socket.io CONNECT, then the frames.
 * An "ignored" case is followed by a probe request, whose refusal proves the connection works.
 */
export async function runRawFrameCase(url: string, testCase: RawFrameCase, timeoutMs: number): Promise<StepResult & { allowed: boolean }> {
  const startMs = performance.now();
  const finish = (outcome: StepResult['outcome'], detail: string, event = 'raw') => {
    const result = { outcome, detail, elapsedMs: performance.now() - startMs };
    return { ...result, allowed: outcomeAllowed(testCase.expectation, event, result) };
  };
  const socket = await RawSocket.open(url, !testCase.beforeConnect, timeoutMs);
  const { messages } = socket;
  try {
    if (socket.closed) return finish('silent', `closed during the handshake: ${socket.closed}`);
    for (const frame of testCase.frames) socket.send(frame);
    const ignored = testCase.expectation.silent === true;
    if (ignored && !socket.closed) socket.send(PROBE_FRAME);
    const fatal = (): string | undefined => messages.find((m) => m.startsWith('42["fatal"'));
    const ack = (): string | undefined => messages.find((m) => m.startsWith(ignored ? '4399' : '431'));
    await socket.waitUntil(() => socket.closed !== undefined || ack() !== undefined, timeoutMs);
    const ackText = ack();
    if (ackText) {
      const reply = (JSON.parse(ackText.slice(ignored ? 4 : 3)) as unknown[])[0] as { ok?: unknown; error?: unknown } | undefined;
      if (ignored) {
        // The probe's refusal is the only reply there may be: the case itself was ignored.
        const probeRefused = reply?.ok === false && /^Join a room first\.$/.test(String(reply.error));
        return probeRefused ? finish('silent', 'ignored; the probe after it was refused as it should be') : finish('ack-malformed', `probe reply: ${ackText.slice(0, 200)}`);
      }
      const event = /^4\d*\["([^"]*)"/.exec(testCase.frames[0] as string)?.[1] ?? 'raw';
      if (reply?.ok === false && typeof reply.error === 'string' && reply.error.trim()) return finish('ack-error', reply.error, event);
      return finish(reply?.ok === true ? 'ack-ok' : 'ack-malformed', ackText.slice(0, 200), event);
    }
    const fatalText = fatal();
    if (fatalText) return finish('fatal', String((JSON.parse(fatalText.slice(2)) as [string, { message?: unknown }])[1]?.message));
    if (socket.closed) return finish('closed', socket.closed);
    return finish('silent', `still open after ${timeoutMs} ms; got ${messages.map((m) => m.slice(0, 30)).join(' | ')}`);
  } finally {
    socket.terminate();
  }
}
