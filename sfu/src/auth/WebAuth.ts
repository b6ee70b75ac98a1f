import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ExpressAuthConfig } from '@auth/express';
import { getSession } from '@auth/express';
import Google from '@auth/core/providers/google';
import { encode } from '@auth/core/jwt';
import type { Request, Response } from 'express';
import type { AccountStore, LiveSession } from './AccountStore.js';

export interface WebAuthOptions {
  accounts: AccountStore;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Encrypts @auth/core's cookies and keys the CSRF tokens. */
  secret: string;
  /** Secure cookies (with the __Secure- prefix) when Parley is served over TLS. */
  secureCookies: boolean;
  sessionMaxAgeSeconds: number;
  /** A session ended (sign-out): its sockets are closed. */
  onSessionRevoked: (sessionId: string) => void;
}

/**
 * Sign-in with Google (or any OpenID provider at OIDC_ISSUER) through @auth/core. Its JWT cookie
 * carries only our session id; the session row decides, so that signing out ends it everywhere.
 */
export class WebAuth {
  readonly config: ExpressAuthConfig;
  readonly sessionCookieName: string;

  constructor(private readonly options: WebAuthOptions) {
    this.sessionCookieName = `${options.secureCookies ? '__Secure-' : ''}authjs.session-token`;
    this.config = {
      basePath: '/auth',
      trustHost: true,
      secret: options.secret,
      useSecureCookies: options.secureCookies,
      session: { strategy: 'jwt', maxAge: options.sessionMaxAgeSeconds },
      providers: [
        Google({
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          issuer: options.issuer,
          checks: ['pkce', 'state', 'nonce'],
        }),
      ],
      callbacks: {
        jwt: async ({ token, account, profile, trigger }) => {
          if (trigger === 'signIn' && account && profile) {
            const email = typeof profile.email === 'string' ? profile.email : '';
            if (!email) throw new Error('The OpenID provider sent no e-mail address; Parley needs the "email" scope.');
            const user = await options.accounts.upsertUser({
              issuer: options.issuer,
              subject: account.providerAccountId,
              email,
              name: (typeof profile.name === 'string' && profile.name) || email.split('@')[0]!,
            });
            return { sub: user.id, sid: await options.accounts.createSession(user.id, 'web', options.sessionMaxAgeSeconds * 1000) };
          }
          return token;
        },
        session: ({ session, token }) => ({ ...session, sid: token.sid }) as typeof session,
      },
      events: {
        signOut: async (message) => {
          const sid = 'token' in message ? message.token?.sid : undefined;
          if (typeof sid === 'string') {
            await options.accounts.revokeSession(sid);
            options.onSessionRevoked(sid);
          }
        },
      },
      logger: {
        // @auth/core logs whole errors, which can hold codes and tokens: keep the kind and message only.
        error: (error) => console.error(`[auth] ${error.name}: ${error.message.split('\n')[0]}`),
        warn: (code) => console.warn(`[auth] warning: ${code}`),
        debug: () => undefined,
      },
    };
  }

  /** The signed-in user of a browser request, if its session is still live. */
  async session(req: Request): Promise<LiveSession | undefined> {
    if (!req.headers.cookie?.includes('authjs.session-token')) return undefined;
    const session = (await getSession(req, this.config).catch(() => null)) as { sid?: unknown } | null;
    if (!session || typeof session.sid !== 'string') return undefined;
    return this.options.accounts.liveSession(session.sid);
  }

  /** Bound to the session: a page of another origin cannot read it, and it dies with the session. */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.options.secret).update(`csrf:${sessionId}`).digest('base64url');
  }

  checkCsrf(req: Request, sessionId: string): boolean {
    const sent = req.get('x-csrf-token');
    if (!sent) return false;
    const expected = Buffer.from(this.csrfToken(sessionId));
    const actual = Buffer.from(sent);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /** Sets the same session cookie a browser sign-in would (the desktop app's window). */
  async setSessionCookie(res: Response, userId: string, sessionId: string, maxAgeSeconds: number): Promise<void> {
    const value = await encode({ token: { sub: userId, sid: sessionId }, secret: this.options.secret, salt: this.sessionCookieName, maxAge: maxAgeSeconds });
    res.cookie(this.sessionCookieName, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.options.secureCookies,
      path: '/',
      maxAge: maxAgeSeconds * 1000,
    });
  }
}
