/**
 * What the sfu may do with one input, and the sentences it documents for each refusal. The
 * sentences are the server's promises to its clients (the web app shows them), so a refusal for
 * the wrong reason — or the catch-all "could not handle this request" — is a finding.
 */

export type Outcome = 'ack-ok' | 'ack-error' | 'ack-malformed' | 'fatal' | 'closed' | 'silent';

export interface StepResult {
  outcome: Outcome;
  /** The refusal or fatal sentence, why the connection closed, or a summary of an `ok` reply. */
  detail: string;
  /** The ack's reply, for `ack-ok`. */
  reply?: Record<string, unknown>;
  elapsedMs: number;
}

/** Why a request is refused with `ok: false`. */
export type Refusal =
  | 'schema'
  | 'notJoined'
  | 'alreadyJoined'
  /** A leave (or disconnect) came while the join was under way. */
  | 'leftWhileJoining'
  | 'alreadySetUp'
  | 'noOpus'
  | 'noTransport'
  | 'alreadyConnected'
  | 'sendOnly'
  | 'alreadySending'
  | 'unknownEvent'
  /** mediasoup judged DTLS parameters that passed the schema and refused them. */
  | 'mediasoupConnect'
  /** mediasoup judged RTP parameters that passed the schema and refused them. */
  | 'mediasoupProduce';

/** Why the server sends `fatal` and disconnects. */
export type Fatal = 'noAck' | 'leavePayload' | 'unknownEvent' | 'rateLimit' | 'consumerRefused' | 'connectTimeout';

export const REFUSAL_SENTENCES: Record<Refusal, (event: string) => RegExp> = {
  schema: (event) => new RegExp(`^Invalid ${event}: \\S.*`),
  notJoined: () => /^Join a room first\.$/,
  alreadyJoined: () => /^Already in a room; leave it first\.$/,
  leftWhileJoining: () => /^You left the room before joining it had finished; join again\.$/,
  alreadySetUp: () => /^Transports are already set up for this connection\.$/,
  noOpus: () => /cannot receive Opus audio/,
  noTransport: () => /^No such transport on this connection\.$/,
  alreadyConnected: () => /^This transport is already connected\.$/,
  sendOnly: () => /^Audio is sent on the send transport only\.$/,
  alreadySending: () => /^This participant already sends audio\.$/,
  unknownEvent: () => /^Unknown event ".*"; the page may be out of date, reload it\.$/,
  mediasoupConnect: () => /^The transport could not be connected: \S/,
  mediasoupProduce: () => /^The audio could not be accepted: \S/,
};

export const FATAL_SENTENCES: Record<Fatal, RegExp> = {
  noAck: /^".+" needs an acknowledgement callback\.$/,
  leavePayload: /^"leave" takes no payload\.$/,
  unknownEvent: /^Unknown event ".*"; the page may be out of date, reload it\.$/,
  rateLimit: /^Too many messages; the connection was closed\. Reload the page to rejoin\.$/,
  consumerRefused: /^Your browser did not take the server's audio \(.+\)\. Reload the page to rejoin\.$/,
  connectTimeout: /^Your audio connection to the server could not be set up in time\./,
};

/** The outcomes allowed for one input. */
export interface Expectation {
  /** For the report: ok, refusal, fatal, sizeLimit, undecodable, mediasoup, ignored. */
  kind: 'ok' | 'refusal' | 'fatal' | 'sizeLimit' | 'undecodable' | 'mediasoup' | 'ignored';
  ok?: boolean;
  refusals?: readonly Refusal[];
  fatal?: Fatal;
  /** The transport closes without a `fatal` (socket.io or the WebSocket refused the frame). */
  closed?: boolean;
  /** No reply at all; the next input proves the connection still works. */
  silent?: boolean;
}

export const expect = {
  ok: (): Expectation => ({ kind: 'ok', ok: true }),
  refusal: (...refusals: Refusal[]): Expectation => ({ kind: 'refusal', refusals }),
  fatal: (fatal: Fatal): Expectation => ({ kind: 'fatal', fatal }),
  sizeLimit: (): Expectation => ({ kind: 'sizeLimit', closed: true }),
  undecodable: (): Expectation => ({ kind: 'undecodable', closed: true }),
  /** Parameters that passed the schema reach mediasoup, which accepts them or says why not. */
  mediasoup: (...refusals: Refusal[]): Expectation => ({ kind: 'mediasoup', ok: true, refusals }),
  ignored: (): Expectation => ({ kind: 'ignored', silent: true }),
};

/** Whether `result` is one of the outcomes `expectation` allows; `event` names the request for schema refusals. */
export function outcomeAllowed(expectation: Expectation, event: string, result: Pick<StepResult, 'outcome' | 'detail'>): boolean {
  switch (result.outcome) {
    case 'ack-ok':
      return expectation.ok === true;
    case 'ack-error':
      return (expectation.refusals ?? []).some((r) => REFUSAL_SENTENCES[r](event).test(result.detail));
    case 'fatal':
      return expectation.fatal !== undefined && FATAL_SENTENCES[expectation.fatal].test(result.detail);
    case 'closed':
      return expectation.closed === true;
    case 'silent':
      return expectation.silent === true;
    case 'ack-malformed':
      return false;
  }
}

/** A one-line description of what was expected, for mismatch reports. */
export function describeExpectation(e: Expectation): string {
  const parts: string[] = [];
  if (e.ok) parts.push('ok');
  if (e.refusals?.length) parts.push(`refusal (${e.refusals.join('|')})`);
  if (e.fatal) parts.push(`fatal (${e.fatal})`);
  if (e.closed) parts.push('transport close');
  if (e.silent) parts.push('no reply');
  return parts.join(' or ');
}
