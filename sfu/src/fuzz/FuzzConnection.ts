import { io, type Socket } from 'socket.io-client';

/** What the server is allowed to do with one input. */
export type Expectation =
  /** A valid request: `ok: true`. */
  | 'ok'
  /** `ok: false` with a sentence, or `fatal` and a disconnect. */
  | 'refusal'
  /** Only `ok: false` (a probe right after an ignored message, which must not have broken anything). */
  | 'strictRefusal'
  /** `fatal` and a disconnect: the event has no acknowledgement to answer with. */
  | 'fatal'
  /** Over maxHttpBufferSize: the transport drops the connection before any handler sees it. */
  | 'sizeLimit'
  /** An SDP that passes the cheap checks and reaches werift: any reply, as long as there is one. */
  | 'answered'
  /** No reply (a late ICE candidate); the next input proves the connection still works. */
  | 'ignored';

export type Outcome = 'ack-ok' | 'ack-error' | 'ack-malformed' | 'fatal' | 'closed' | 'silent';

export interface StepResult {
  outcome: Outcome;
  detail: string;
  elapsedMs: number;
}

export interface Step {
  /** Category for the report, e.g. "join:wrong-shape" or "offer:sdp:badFingerprint". */
  label: string;
  event: string | number;
  args: unknown[];
  withAck: boolean;
  expect: Expectation;
}

const ALLOWED: Record<Expectation, readonly Outcome[]> = {
  ok: ['ack-ok'],
  refusal: ['ack-error', 'fatal'],
  strictRefusal: ['ack-error'],
  fatal: ['fatal'],
  sizeLimit: ['closed', 'fatal'],
  answered: ['ack-ok', 'ack-error', 'fatal'],
  ignored: ['silent'],
};

export function outcomeAllowed(expect: Expectation, outcome: Outcome): boolean {
  return ALLOWED[expect].includes(outcome);
}

function answerCandidates(reply: unknown): string {
  const sdp = (reply as { description?: { sdp?: unknown } }).description?.sdp;
  return typeof sdp === 'string' ? `candidates=${sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:')).length}` : '';
}

// socket.io-client types event names as strings; the fuzzer also sends numbers and unknown names.
type LooseSocket = Socket & { emit(event: string | number, ...args: unknown[]): Socket };

/**
 * One socket.io connection driven by the fuzzer: sends a step, then works out what the server did
 * about it (an acknowledgement, a `fatal` before the disconnect, a bare disconnect, or nothing).
 */
export class FuzzConnection {
  private readonly socket: LooseSocket;
  private fatalMessage: string | undefined;
  private disconnectReason: string | undefined;
  private readonly closeWaiters: (() => void)[] = [];
  private renegotiateReply: (() => unknown) | undefined;
  private renegotiateWaiters: (() => void)[] = [];
  renegotiations = 0;

  constructor(url: string) {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: url } }) as LooseSocket;
    this.socket.on('fatal', (error: { message?: unknown } | undefined) => {
      this.fatalMessage = typeof error?.message === 'string' ? error.message : '';
    });
    this.socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      for (const wake of this.closeWaiters.splice(0)) wake();
    });
    this.socket.on('renegotiate', (_request: unknown, ack: unknown) => {
      this.renegotiations++;
      const reply = this.renegotiateReply;
      this.renegotiateReply = undefined;
      for (const wake of this.renegotiateWaiters.splice(0)) wake();
      // No reply set: the server's offer stays unanswered (its timeout is under test).
      if (reply && typeof ack === 'function') (ack as (r: unknown) => void)(reply());
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

  /** Answers the next server offer with `reply()` (garbage, usually). */
  answerNextRenegotiation(reply: () => unknown): void {
    this.renegotiateReply = reply;
  }

  waitForRenegotiation(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.renegotiateWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Resolves with how the connection ended, or 'silent' if it is still open after timeoutMs. */
  waitForClose(timeoutMs: number): Promise<Outcome> {
    if (!this.isOpen) return Promise.resolve(this.closeOutcome());
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('silent'), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.closeOutcome());
      });
    });
  }

  /** Sends one step and resolves with what the server did about it. */
  send(step: Step, timeoutMs: number): Promise<StepResult> {
    const startMs = performance.now();
    if (!this.isOpen) return Promise.resolve({ outcome: 'closed', detail: 'the connection had already closed', elapsedMs: 0 });
    if (!step.withAck) {
      this.socket.emit(step.event, ...step.args);
      if (step.expect === 'ignored') return Promise.resolve({ outcome: 'silent', detail: '', elapsedMs: 0 });
      return this.waitForClose(timeoutMs).then((outcome) => ({ outcome, detail: this.closeDetail(), elapsedMs: performance.now() - startMs }));
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome, detail: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ outcome, detail, elapsedMs: performance.now() - startMs });
      };
      const timer = setTimeout(() => settle('silent', `no reply within ${timeoutMs} ms`), timeoutMs);
      this.closeWaiters.push(() => settle(this.closeOutcome(), this.closeDetail()));
      this.socket.emit(step.event, ...step.args, (reply: unknown) => {
        const r = reply as { ok?: unknown; error?: unknown } | null;
        // An answer without candidates cannot connect (the sfu sends no trickle candidates).
        if (r?.ok === true) settle('ack-ok', answerCandidates(reply));
        else if (r?.ok === false && typeof r.error === 'string' && r.error.trim() !== '') settle('ack-error', r.error);
        else settle('ack-malformed', JSON.stringify(reply)?.slice(0, 200) ?? 'undefined');
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }

  private closeOutcome(): Outcome {
    return this.disconnectReason === 'io server disconnect' && this.fatalMessage ? 'fatal' : 'closed';
  }

  /** The fatal message, or why the connection closed without one. */
  closeDetail(): string {
    return this.fatalMessage ?? `disconnected without a fatal message (${this.disconnectReason ?? 'still open'})`;
  }
}
