import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

/** One signing key: its id goes in each token's header, so that keys can be rotated without downtime. */
export interface SigningKey {
  kid: string;
  secret: string;
}

/** Shortest secret accepted: 256 bits of HMAC-SHA256 key, as base64 or plain text. */
export const MIN_SIGNING_SECRET_CHARS = 32;

/** `kid:secret,kid:secret`: the first key signs, every listed key verifies (retired keys are removed). */
export function parseSigningKeys(value: string): SigningKey[] {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      if (at <= 0) throw new Error('each key is "<key id>:<secret>"');
      return { kid: entry.slice(0, at), secret: entry.slice(at + 1) };
    });
  if (!keys.length) throw new Error('at least one key is needed');
  for (const key of keys) {
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(key.kid)) throw new Error(`key id "${key.kid.slice(0, 40)}" may use only letters, digits, ".", "-" and "_"`);
    if (key.secret.length < MIN_SIGNING_SECRET_CHARS) {
      throw new Error(`the secret of key "${key.kid}" is shorter than ${MIN_SIGNING_SECRET_CHARS} characters; make one with \`openssl rand -base64 48\``);
    }
    if (new Set(key.secret).size < 8) throw new Error(`the secret of key "${key.kid}" repeats too few characters to be random`);
  }
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}

export interface SocketClaims {
  userId: string;
  sessionId: string;
  name: string;
  expiresAtMs: number;
}

/** Why a connection or request was refused, as counted in `parley_auth_failures_total{reason}`. */
export type AuthFailureReason =
  | 'missing_token'
  | 'invalid_token'
  | 'expired_token'
  | 'unknown_key'
  | 'session_ended'
  | 'connection_limit'
  | 'http_unauthorized'
  | 'metrics_token';

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    readonly reason: AuthFailureReason = 'invalid_token',
  ) {
    super(message);
  }
}

/** Short-lived signed tokens (HS256, key id in the header): for the socket.io handshake, and the desktop app's access tokens. */
export class SocketTokens {
  private readonly byKid: Map<string, Uint8Array>;

  constructor(
    private readonly keys: readonly SigningKey[],
    private readonly ttlSeconds: number,
    private readonly issuer: string,
    /** What the token is for ("parley:socket", "parley:desktop"): one kind is never accepted as another. */
    private readonly audience = 'parley:socket',
  ) {
    this.byKid = new Map(keys.map((k) => [k.kid, new TextEncoder().encode(k.secret)]));
  }

  async issue(user: { id: string; name: string }, sessionId: string): Promise<{ token: string; expiresAtMs: number }> {
    const signer = this.keys[0]!;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const exp = nowSeconds + this.ttlSeconds;
    const token = await new SignJWT({ sid: sessionId, name: user.name })
      .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
      .setSubject(user.id)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(exp)
      .sign(this.byKid.get(signer.kid)!);
    return { token, expiresAtMs: exp * 1000 };
  }

  /** Throws a TokenError with a sentence a client can show. */
  async verify(token: string): Promise<SocketClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid ? this.byKid.get(header.kid) : undefined;
          if (!key) throw new TokenError('The sign-in token was signed with a key this server no longer accepts; sign in again.', 'unknown_key');
          return key;
        },
        { algorithms: ['HS256'], issuer: this.issuer, audience: this.audience },
      ));
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('The sign-in token has expired; reconnect to get a new one.', 'expired_token');
      throw new TokenError('The sign-in token is not valid; sign in again.');
    }
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
      throw new TokenError('The sign-in token is not valid; sign in again.');
    }
    return { userId: payload.sub, sessionId: payload.sid, name: typeof payload.name === 'string' ? payload.name : '', expiresAtMs: payload.exp * 1000 };
  }
}
