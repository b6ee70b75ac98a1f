import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import { refreshTokenRequestSchema, type ClientToServerEvents, type ServerToClientEvents } from '@parley/protocol';
import type { AccountStore } from './AccountStore.js';
import { TokenError, type AuthFailureReason, type SocketTokens } from './SocketTokens.js';
import { KeyedRateLimiter } from '../http/KeyedRateLimiter.js';

type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents>;
type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Who is on a socket: a signed-in user (AUTH=oidc) or a guest (AUTH=off). */
export interface SocketIdentity {
  userId: string | null;
  sessionId: string | null;
  ip: string;
}

export function socketIdentity(socket: ParleySocket): SocketIdentity {
  return (socket.data as { identity?: SocketIdentity }).identity ?? { userId: null, sessionId: null, ip: socket.handshake.address };
}

export interface SocketAuthOptions {
  /** Absent with AUTH=off: guests connect without a token. */
  tokens?: SocketTokens;
  accounts: () => AccountStore | undefined;
  log: Logger;
  maxConnectionsPerIp: number;
  /** New connections per IP: a burst, then this many a second. */
  connectBurstPerIp: number;
  connectsPerSecondPerIp: number;
  /** Told of every refused connection and token renewal (for the metrics). */
  onFailure?: (reason: AuthFailureReason) => void;
}

/**
 * socket.io middleware: per-IP connection limits, then (AUTH=oidc) a valid short-lived token from
 * a live session. A socket whose token expires without a `refreshToken` is closed; so are the
 * sockets of a session that signs out.
 */
export class SocketAuth {
  private readonly openPerIp = new Map<string, number>();
  private readonly connectRate: KeyedRateLimiter;
  private readonly bySession = new Map<string, Set<ParleySocket>>();

  constructor(
    private readonly io: ParleyServer,
    private readonly options: SocketAuthOptions,
  ) {
    this.connectRate = new KeyedRateLimiter(options.connectBurstPerIp, options.connectsPerSecondPerIp);
    io.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: unknown) => {
          if (error instanceof TokenError) this.options.onFailure?.(error.reason);
          next(error instanceof TokenError ? error : new Error('The server could not check this connection; try again.'));
        },
      );
    });
  }

  private async admit(socket: ParleySocket): Promise<void> {
    const ip = socket.handshake.address;
    if (!this.connectRate.take(ip)) throw new TokenError('Too many connections from your address; wait a few seconds and try again.', 'connection_limit');
    if ((this.openPerIp.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) {
      throw new TokenError('Too many open connections from your address; close other Parley tabs and try again.', 'connection_limit');
    }
    const identity: SocketIdentity = { userId: null, sessionId: null, ip };
    let expiresAtMs: number | undefined;
    if (this.options.tokens) {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || !token) throw new TokenError('Sign in to use Parley: this connection has no sign-in token.', 'missing_token');
      const claims = await this.options.tokens.verify(token);
      const session = await this.options.accounts()?.liveSession(claims.sessionId);
      if (!session || session.user.id !== claims.userId) throw new TokenError('Your session has ended; sign in again.', 'session_ended');
      identity.userId = claims.userId;
      identity.sessionId = claims.sessionId;
      expiresAtMs = claims.expiresAtMs;
    }
    (socket.data as { identity?: SocketIdentity }).identity = identity;
    this.track(socket, identity, expiresAtMs);
  }

  private track(socket: ParleySocket, identity: SocketIdentity, expiresAtMs: number | undefined): void {
    this.openPerIp.set(identity.ip, (this.openPerIp.get(identity.ip) ?? 0) + 1);
    let expiry: ReturnType<typeof setTimeout> | undefined;
    const armExpiry = (atMs: number) => {
      clearTimeout(expiry);
      expiry = setTimeout(() => this.close(socket, 'Your sign-in token expired and was not renewed; reconnect to continue.'), Math.max(0, atMs - Date.now()));
    };
    if (expiresAtMs !== undefined) armExpiry(expiresAtMs);
    if (identity.sessionId) {
      const set = this.bySession.get(identity.sessionId) ?? new Set();
      set.add(socket);
      this.bySession.set(identity.sessionId, set);
    }
    socket.on('refreshToken', (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return this.close(socket, '"refreshToken" needs an acknowledgement callback.');
      const reply = ack as (r: { ok: true; expiresAtMs: number } | { ok: false; error: string }) => void;
      void this.refresh(identity, payload).then(
        (atMs) => {
          if (atMs !== undefined) armExpiry(atMs);
          reply(atMs === undefined ? { ok: false, error: 'Sign-in is off on this server; no token is needed.' } : { ok: true, expiresAtMs: atMs });
        },
        (error: unknown) => {
          if (error instanceof TokenError) this.options.onFailure?.(error.reason);
          reply({ ok: false, error: error instanceof TokenError ? error.message : 'The server could not check the token.' });
        },
      );
    });
    socket.on('disconnect', () => {
      clearTimeout(expiry);
      const left = (this.openPerIp.get(identity.ip) ?? 1) - 1;
      if (left > 0) this.openPerIp.set(identity.ip, left);
      else this.openPerIp.delete(identity.ip);
      if (identity.sessionId) {
        const set = this.bySession.get(identity.sessionId);
        set?.delete(socket);
        if (set?.size === 0) this.bySession.delete(identity.sessionId);
      }
    });
  }

  /** A fresh token must be for the same user and session as the connection. */
  private async refresh(identity: SocketIdentity, payload: unknown): Promise<number | undefined> {
    if (!this.options.tokens) return undefined;
    const parsed = refreshTokenRequestSchema.safeParse(payload);
    if (!parsed.success) throw new TokenError('Invalid refreshToken: send { token }.');
    const claims = await this.options.tokens.verify(parsed.data.token);
    if (claims.userId !== identity.userId || claims.sessionId !== identity.sessionId) {
      throw new TokenError('That token belongs to another sign-in; reconnect instead.');
    }
    if (!(await this.options.accounts()?.liveSession(claims.sessionId))) throw new TokenError('Your session has ended; sign in again.', 'session_ended');
    return claims.expiresAtMs;
  }

  /** A session ended (sign-out, revocation): its sockets close now. */
  sessionRevoked(sessionId: string): void {
    for (const socket of this.bySession.get(sessionId) ?? []) this.close(socket, 'You signed out; sign in again to rejoin.');
  }

  private close(socket: ParleySocket, message: string): void {
    if (!socket.connected) return;
    this.options.log.info({ socket: socket.id }, 'socket closed by auth');
    socket.emit('fatal', { message });
    socket.disconnect(true);
  }
}
