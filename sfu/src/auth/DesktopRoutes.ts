import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import {
  desktopAuthorizeQuerySchema,
  desktopRevokeRequestSchema,
  desktopTokenRequestSchema,
  type DesktopTokenReply,
  type User,
} from '@parley/protocol';
import { HttpError } from '../http/HttpError.js';
import { parse, route } from '../http/ApiRoutes.js';
import type { KeyedRateLimiter } from '../http/KeyedRateLimiter.js';
import type { AccountStore } from './AccountStore.js';
import { randomToken } from './hashToken.js';
import type { SocketTokens } from './SocketTokens.js';
import type { WebAuth } from './WebAuth.js';

export interface DesktopRoutesOptions {
  web: WebAuth;
  accounts: AccountStore;
  /** Access tokens of the desktop app (audience "parley:desktop"). */
  accessTokens: SocketTokens;
  accessTokenTtlSeconds: number;
  refreshTtlMs: number;
  /** One-time codes die this fast (RFC 8252 flows redeem them at once). */
  codeTtlMs: number;
  tokenLimiter: KeyedRateLimiter;
  onSessionRevoked: (sessionId: string) => void;
}

/** base64url(SHA-256(verifier)), the S256 code challenge (RFC 7636). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/**
 * The desktop app signs in to Parley (RFC 8252): the system browser goes through the normal sign-in,
 * then to a loopback redirect with a one-time code that the app redeems with its PKCE verifier.
 * The token routes use no cookies, so they need no CSRF token.
 */
export class DesktopRoutes {
  constructor(private readonly options: DesktopRoutesOptions) {}

  /** GET /auth/desktop/authorize (mounted before @auth/core's routes). */
  authorize = route(async (req: Request, res: Response) => {
    const query = parse(desktopAuthorizeQuerySchema, req.query, 'desktop sign-in request');
    const session = await this.options.web.session(req);
    if (!session) {
      // Through the normal sign-in page, and back here afterwards (a same-origin callback URL).
      res.redirect(302, `/auth/signin?callbackUrl=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const code = randomToken();
    await this.options.accounts.saveDesktopCode(code, session.user.id, query.code_challenge, query.redirect_uri, this.options.codeTtlMs);
    const target = new URL(query.redirect_uri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', query.state);
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, target.toString());
  });

  /** /api/desktop/… */
  router(): Router {
    const r = Router();
    const { accounts } = this.options;

    r.post('/token', route(async (req, res): Promise<DesktopTokenReply> => {
      res.setHeader('cache-control', 'no-store');
      if (!this.options.tokenLimiter.take(req.ip ?? '')) throw new HttpError(429, 'Too many token requests; wait a few seconds.');
      const body = parse(desktopTokenRequestSchema, req.body, 'token request');
      if (body.grant_type === 'authorization_code') {
        const code = await accounts.redeemDesktopCode(body.code);
        if (!code) throw new HttpError(400, 'The sign-in code is unknown, used already or expired; sign in again.');
        if (code.redirectUri !== body.redirect_uri) throw new HttpError(400, 'redirect_uri does not match the one the code was issued for.');
        if (s256(body.code_verifier) !== code.codeChallenge) throw new HttpError(400, 'code_verifier does not match the code challenge.');
        const user = await accounts.user(code.userId);
        if (!user) throw new HttpError(400, 'That account no longer exists.');
        const refreshToken = randomToken();
        const sessionId = await accounts.createSession(user.id, 'desktop', this.options.refreshTtlMs, refreshToken);
        return this.reply(user, sessionId, refreshToken);
      }
      const refreshToken = randomToken();
      const session = await accounts.rotateRefreshToken(body.refresh_token, refreshToken);
      if (!session) throw new HttpError(400, 'The refresh token is unknown, used already or revoked; sign in again.');
      return this.reply(session.user, session.id, refreshToken);
    }));

    r.post('/revoke', route(async (req) => {
      const body = parse(desktopRevokeRequestSchema, req.body, 'revocation');
      const sessionId = await accounts.revokeByRefreshToken(body.token);
      if (sessionId) this.options.onSessionRevoked(sessionId);
      // RFC 7009: the same answer whether or not the token was known.
      return { revoked: true };
    }));

    r.post('/session', route(async (req, res) => {
      const bearer = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
      if (!bearer) throw new HttpError(401, 'Send the access token as "Authorization: Bearer <token>".');
      const claims = await this.options.accessTokens.verify(bearer).catch(() => {
        throw new HttpError(401, 'The access token is not valid or has expired; refresh it first.');
      });
      const session = await accounts.liveSession(claims.sessionId);
      if (!session) throw new HttpError(401, 'This sign-in has been revoked; sign in again.');
      const maxAgeSeconds = Math.max(60, Math.floor((session.expiresAtMs - Date.now()) / 1000));
      await this.options.web.setSessionCookie(res, session.user.id, session.id, maxAgeSeconds);
      return { user: session.user };
    }));

    return r;
  }

  private async reply(user: User, sessionId: string, refreshToken: string): Promise<DesktopTokenReply> {
    const access = await this.options.accessTokens.issue(user, sessionId);
    return { access_token: access.token, refresh_token: refreshToken, expires_in: this.options.accessTokenTtlSeconds, user };
  }
}
