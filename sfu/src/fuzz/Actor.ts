import { describeExpectation, expect, FATAL_SENTENCES, outcomeAllowed, type Expectation, type StepResult } from './expectations.js';
import { FuzzConnection } from './FuzzConnection.js';
import { PeerModel } from './PeerModel.js';
import { overTheWire } from './wire.js';
import type { RealMedia } from './realMedia.js';

/** Under the signaling rate limiter's burst (40), so that only flood lanes meet it. */
export const MAX_EVENTS_PER_CONNECTION = 36;
/** The sfu's default: a transport that carries audio must be connected within this. */
export const CONNECT_TIMEOUT_MS = 20_000;
/** The sfu's default: how long a client may take to answer newConsumer. */
export const CONSUMER_ACK_TIMEOUT_MS = 10_000;
/** Generous: 2 shared cores, hundreds of connections at once. */
const REPLY_TIMEOUT_MS = 10_000;

/** How an input turned out against its expectation. */
export type Verdict = 'expected' | 'mismatch' | 'interrupted';

export interface Recorded {
  label: string;
  event: string;
  /** A generated hostile input (not a valid request of a normal client, nor a probe). */
  hostile: boolean;
  expectation: Expectation;
  result: StepResult;
  verdict: Verdict;
  /** Why it is a mismatch. */
  complaint?: string;
  /** Which lane (kind, index and seed), to replay a finding. */
  lane?: string;
}

export interface LaneContext {
  url: string;
  media: RealMedia;
  /** Room names of this run, so that a rerun against the same Redis never collides. */
  runId: string;
  record(entry: Recorded): void;
  /** Hostile frames put on the wire that are not inputs of their own (a flood's messages). */
  countExtraMessages(count: number): void;
  /** Transport ids other connections were given (for "somebody else's transport"). */
  foreignTransportIds: string[];
}

export interface StepOptions {
  withAck?: boolean;
  hostile?: boolean;
  /** Overrides the model (requests sent before the previous one's reply). */
  expectation?: Expectation;
}

/**
 * One connection and what the sfu must know about it: sends inputs, checks each outcome against
 * the model's expectation and records it. A connection the server closed for a documented reason
 * that has nothing to do with the input in flight (a refused consumer, the connect timeout)
 * ends its lane without a finding.
 */
export class Actor {
  readonly conn: FuzzConnection;
  readonly model: PeerModel;
  events = 0;
  /** An input whose expected outcome was the end of the connection got it. */
  private closeExpected = false;

  constructor(
    private readonly ctx: LaneContext,
    readonly name: string,
  ) {
    this.conn = new FuzzConnection(ctx.url);
    this.model = new PeerModel(ctx.media.rtpParameters);
  }

  get isOpen(): boolean {
    return this.conn.isOpen;
  }

  get canSend(): boolean {
    return this.conn.isOpen && this.events < MAX_EVENTS_PER_CONNECTION;
  }

  /** Sends one input and records it; undefined if the connection is closed or its budget spent. */
  async request(label: string, event: string | number, args: unknown[], options: StepOptions = {}): Promise<StepResult | undefined> {
    if (!this.canSend) return undefined;
    this.events++;
    const withAck = options.withAck ?? true;
    const view = overTheWire(event, args, withAck);
    const expectation = options.expectation ?? this.model.expectation(view, withAck);
    const sentAtMs = Date.now();
    let result: StepResult;
    if (!withAck && expectation.silent) {
      this.conn.send(event, args, false, 0);
      result = { outcome: 'silent', detail: '', elapsedMs: 0 };
    } else {
      result = await this.conn.send(event, args, withAck, REPLY_TIMEOUT_MS);
    }
    let complaint: string | undefined;
    let verdict: Verdict = 'expected';
    if (!outcomeAllowed(expectation, String(event), result)) {
      verdict = this.interruptedByTheServer(result) ? 'interrupted' : 'mismatch';
      complaint = `expected ${describeExpectation(expectation)}`;
    } else {
      complaint = this.model.apply(view, result, sentAtMs);
      if (complaint) verdict = 'mismatch';
      if (result.outcome === 'fatal' || result.outcome === 'closed') this.closeExpected = true;
    }
    this.ctx.record({ label, event: String(event), hostile: options.hostile ?? true, expectation, result, verdict, complaint });
    if (expectation.silent && verdict === 'expected') await this.probe();
    return result;
  }

  /** Two requests sent before either reply: the second's expectation says what being first must mean. */
  async concurrently(
    first: { label: string; event: string; args: unknown[]; expectation?: Expectation },
    second: { label: string; event: string; args: unknown[]; expectation: Expectation; withAck?: boolean },
    assume: () => void,
  ): Promise<void> {
    if (!this.conn.isOpen || this.events + 2 > MAX_EVENTS_PER_CONNECTION) return;
    const firstDone = this.request(first.label, first.event, first.args, { hostile: false, expectation: first.expectation });
    assume();
    await Promise.all([firstDone, this.request(second.label, second.event, second.args, { expectation: second.expectation, withAck: second.withAck })]);
  }

  /** Something sent outside socket.io's emit (a raw packet) that the server must ignore; a probe follows. */
  async ignoredRawPacket(label: string, packet: string): Promise<void> {
    if (!this.canSend) return;
    this.events++;
    this.conn.sendRawPacket(packet);
    this.ctx.record({ label, event: 'raw', hostile: true, expectation: { kind: 'ignored', silent: true }, result: { outcome: 'silent', detail: '', elapsedMs: 0 }, verdict: 'expected' });
    await this.probe();
  }

  /** Records an expectation about something the server sends on its own (a consumer, a notice, a disconnect). */
  check(label: string, hostile: boolean, expectation: Expectation, result: StepResult, holds: boolean, complaint: string): void {
    if (holds && (result.outcome === 'fatal' || result.outcome === 'closed')) this.closeExpected = true;
    this.ctx.record({ label, event: 'server', hostile, expectation, result, verdict: holds ? 'expected' : 'mismatch', complaint: holds ? undefined : complaint });
  }

  /**
   * Ends the connection from this side, after checking that the server did not end it first
   * without cause: no input of this connection asked for it and no documented timeout explains it
   * (another participant's parameters must never cost this one its session).
   */
  close(): void {
    if (!this.conn.isOpen && !this.closeExpected && !this.closedForDocumentedReason()) {
      const result: StepResult = { outcome: this.conn.fatal === undefined ? 'closed' : 'fatal', detail: this.conn.closeDetail(), elapsedMs: 0 };
      this.check('connection:closed-unasked', false, expect.ok(), result, false, `the server ended the ${this.name}'s connection though nothing it sent called for that`);
    }
    this.conn.close();
  }

  /** A request whose refusal the model knows exactly: proves the connection still works. */
  private async probe(): Promise<void> {
    if (!this.canSend) return;
    await this.request('probe', 'restartIce', [{ transportId: 'probe-no-such-transport' }], { hostile: false });
  }

  /** Whether the server closed this connection for a documented reason of its own (not an input of this step). */
  closedForDocumentedReason(): boolean {
    return !this.conn.isOpen && this.interruptedByTheServer({ outcome: 'fatal', detail: this.conn.fatal ?? '', elapsedMs: 0 });
  }

  private interruptedByTheServer(result: StepResult): boolean {
    if (result.outcome !== 'fatal') return false;
    if (FATAL_SENTENCES.consumerRefused.test(result.detail)) return this.conn.refusedConsumerAtMs !== undefined;
    if (FATAL_SENTENCES.connectTimeout.test(result.detail)) {
      const armed = this.model.armedSinceMs;
      return armed !== undefined && Date.now() - armed >= CONNECT_TIMEOUT_MS;
    }
    return false;
  }
}
