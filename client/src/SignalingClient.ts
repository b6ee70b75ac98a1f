import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';

export type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The server refused a request (its sentence), or never answered it. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    message: string,
    /** True when there was no answer at all (timeout, lost connection), rather than a refusal. */
    readonly unanswered: boolean,
  ) {
    super(message);
  }
}

type RequestEvent = Exclude<keyof ClientToServerEvents, 'leave'>;
type ReplyOf<E extends RequestEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Requests over the socket, each answered through its ack: `{ ok: true, … }` or a refusal. */
export class SignalingClient {
  /** `socket` may be a getter, for a client whose socket changes (it moves between nodes). */
  constructor(private readonly socketOf: ParleySocket | (() => ParleySocket)) {}

  private get socket(): ParleySocket {
    return typeof this.socketOf === 'function' ? this.socketOf() : this.socketOf;
  }

  async request<E extends RequestEvent>(event: E, payload: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ReplyOf<E>> {
    let reply: unknown;
    try {
      reply = await (this.socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<unknown> }).emitWithAck(
        event,
        payload,
      );
    } catch {
      throw new RequestError(`The server did not answer "${event}" in time.`, true);
    }
    if (typeof reply !== 'object' || reply === null) throw new RequestError(`The server's answer to "${event}" was malformed.`, false);
    const ack = reply as { ok?: unknown; error?: unknown };
    if (ack.ok === true) return reply as ReplyOf<E>;
    throw new RequestError(typeof ack.error === 'string' ? ack.error : `The server refused "${event}".`, false);
  }
}
