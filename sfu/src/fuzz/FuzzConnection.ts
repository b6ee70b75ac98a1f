import { io, type Socket } from 'socket.io-client';
import type { Outcome, StepResult } from './expectations.js';

/** How a connection answers the server's newConsumer: as a client should, or not. */
export type ConsumerAnswer = { kind: 'accept' } | { kind: 'reply'; reply: unknown } | { kind: 'silent' };

export interface ReceivedConsumer {
  consumerId: unknown;
  producerId: unknown;
  peerId: unknown;
  kind: unknown;
  rtpParameters: unknown;
  /** What this connection answered (undefined: nothing). */
  answered?: unknown;
}

// socket.io-client types event names as strings; the fuzzer also sends numbers and unknown names.
type LooseSocket = Socket & { emit(event: string | number, ...args: unknown[]): Socket };

/**
 * One socket.io connection driven by the fuzzer: sends a request and works out what the server did
 * about it (an acknowledgement, a `fatal` before the disconnect, a bare disconnect, or nothing),
 * answers the server's newConsumer as told, and keeps what the server sent on its own.
 */
export class FuzzConnection {
  private readonly socket: LooseSocket;
  private fatalMessage: string | undefined;
  private disconnectReason: string | undefined;
  private waiters: (() => void)[] = [];
  consumerAnswer: ConsumerAnswer = { kind: 'accept' };
  readonly consumers: ReceivedConsumer[] = [];
  readonly closedConsumers: unknown[] = [];
  /** The latest participant list the server sent. */
  participants: { id?: unknown }[] | undefined;
  /** When (client clock) this connection first answered a newConsumer with anything but acceptance, or chose not to. */
  refusedConsumerAtMs: number | undefined;

  constructor(url: string) {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } }) as LooseSocket;
    this.socket.on('fatal', (error: { message?: unknown } | undefined) => {
      this.fatalMessage = typeof error?.message === 'string' ? error.message : '';
    });
    this.socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      this.wake();
    });
    this.socket.on('newConsumer', (consumer: Record<string, unknown> | undefined, ack: unknown) => this.onNewConsumer(consumer ?? {}, ack));
    this.socket.on('consumerClosed', (notice: { consumerId?: unknown } | undefined) => {
      this.closedConsumers.push(notice?.consumerId);
      this.wake();
    });
    this.socket.on('participants', (list: unknown) => {
      if (Array.isArray(list)) this.participants = list as { id?: unknown }[];
      this.wake();
    });
  }

  get isOpen(): boolean {
    return this.disconnectReason === undefined;
  }

  /** The fatal message the server sent before it disconnected, if it did. */
  get fatal(): string | undefined {
    return this.fatalMessage;
  }

  async open(timeoutMs: number): Promise<void> {
    if (this.socket.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no socket.io connection within ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Resolves true once `condition` holds (checked whenever the server sends something), false after timeoutMs. */
  waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(condition());
      }, timeoutMs);
      const check = (): void => {
        if (!condition()) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(check);
    });
  }

  /** Resolves with how the connection ended, or 'silent' if it is still open after timeoutMs. */
  async waitForClose(timeoutMs: number): Promise<Outcome> {
    await this.waitFor(() => !this.isOpen, timeoutMs);
    return this.isOpen ? 'silent' : this.closeOutcome();
  }

  /** Sends one event (with an ack callback if `withAck`) and resolves with what the server did about it. */
  send(event: string | number, args: readonly unknown[], withAck: boolean, timeoutMs: number): Promise<StepResult> {
    const startMs = performance.now();
    const elapsed = () => performance.now() - startMs;
    if (!this.isOpen) return Promise.resolve({ outcome: 'closed', detail: 'the connection had already closed', elapsedMs: 0 });
    if (!withAck) {
      this.socket.emit(event, ...args);
      return this.waitForClose(timeoutMs).then((outcome) => ({ outcome, detail: this.closeDetail(), elapsedMs: elapsed() }));
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: Omit<StepResult, 'elapsedMs'>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, elapsedMs: elapsed() });
      };
      const timer = setTimeout(() => settle({ outcome: 'silent', detail: `no reply within ${timeoutMs} ms` }), timeoutMs);
      void this.waitFor(() => !this.isOpen, timeoutMs + 1_000).then((closed) => closed && settle({ outcome: this.closeOutcome(), detail: this.closeDetail() }));
      this.socket.emit(event, ...args, (reply: unknown) => {
        const r = reply as { ok?: unknown; error?: unknown } | null;
        if (r?.ok === true) settle({ outcome: 'ack-ok', detail: JSON.stringify(reply).slice(0, 200), reply: r as Record<string, unknown> });
        else if (r?.ok === false && typeof r.error === 'string' && r.error.trim() !== '') settle({ outcome: 'ack-error', detail: r.error });
        else settle({ outcome: 'ack-malformed', detail: JSON.stringify(reply)?.slice(0, 200) ?? 'undefined' });
      });
    });
  }

  /** Puts a socket.io packet on the wire as it is (e.g. "3" + id + "[…]", an acknowledgement of nothing). */
  sendRawPacket(packet: string): void {
    this.socket.io.engine.write(packet);
  }

  close(): void {
    this.socket.disconnect();
  }

  /** The fatal message, or why the connection closed without one. */
  closeDetail(): string {
    return this.fatalMessage ?? `disconnected without a fatal message (${this.disconnectReason ?? 'still open'})`;
  }

  private closeOutcome(): Outcome {
    return this.disconnectReason === 'io server disconnect' && this.fatalMessage !== undefined ? 'fatal' : 'closed';
  }

  private onNewConsumer(consumer: Record<string, unknown>, ack: unknown): void {
    const received: ReceivedConsumer = {
      consumerId: consumer.consumerId,
      producerId: consumer.producerId,
      peerId: consumer.peerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
    };
    this.consumers.push(received);
    const answer = this.consumerAnswer;
    if (answer.kind !== 'accept') this.refusedConsumerAtMs ??= Date.now();
    if (typeof ack === 'function') {
      if (answer.kind === 'accept') received.answered = { ok: true };
      else if (answer.kind === 'reply') received.answered = answer.reply;
      if (answer.kind !== 'silent') (ack as (reply: unknown) => void)(received.answered);
    }
    this.wake();
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
