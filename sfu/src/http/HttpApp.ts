import express, { type NextFunction, type Request, type Response } from 'express';
import { ExpressAuth } from '@auth/express';
import type { Logger } from 'pino';
import type { OriginPolicy } from '../OriginPolicy.js';
import type { StaticFiles } from '../StaticFiles.js';
import type { DesktopRoutes } from '../auth/DesktopRoutes.js';
import type { WebAuth } from '../auth/WebAuth.js';
import type { ApiRoutes } from './ApiRoutes.js';
import { HttpError } from './HttpError.js';
import type { KeyedRateLimiter } from './KeyedRateLimiter.js';
import { securityHeaders } from './securityHeaders.js';

export interface HttpAppOptions {
  api: ApiRoutes;
  /** AUTH=oidc only. */
  auth?: { web: WebAuth; desktop: DesktopRoutes; oidcIssuer: string };
  staticFiles: StaticFiles | undefined;
  origins: OriginPolicy;
  signInLimiter: KeyedRateLimiter;
  secure: boolean;
  log: Logger;
  /** Told of every request refused as not signed in (401), for the metrics. */
  onUnauthorized?: () => void;
}

/**
 * Everything HTTP but health: sign-in (@auth/core), the JSON API, the desktop sign-in routes and
 * the web app. In AUTH=oidc every /api route but `me` needs a signed-in user (checked per route).
 */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy on this machine (TLS termination), trust its X-Forwarded-* headers only.
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders({ secure: options.secure, oidcIssuer: options.auth?.oidcIssuer }));

  // A page of another origin may not change anything here (CSRF, second line after the token).
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || options.origins.allows(req)) return next();
    next(new HttpError(403, 'Requests from this origin are not allowed; open Parley from its own address.'));
  });

  if (options.auth) {
    const { web, desktop } = options.auth;
    app.get('/auth/desktop/authorize', desktop.authorize);
    app.use(['/auth/signin', '/auth/callback'], (req: Request, _res: Response, next: NextFunction) => {
      if (options.signInLimiter.take(req.ip ?? '')) return next();
      next(new HttpError(429, 'Too many sign-in attempts; wait a minute and try again.'));
    });
    // Express 5 and @auth/express disagree on the base path of a string mount (next-auth#12672): a regex route works.
    app.use(/^\/auth\/(.*)$/, ExpressAuth(web.config));
  }

  app.use('/api', express.json({ limit: '16kb' }));
  if (options.auth) app.use('/api/desktop', options.auth.desktop.router());
  app.use('/api', options.api.router());
  app.use('/api', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, 'No such API route.')));

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('allow', 'GET, HEAD').end();
      return;
    }
    if (!options.staticFiles) {
      res.status(404).type('text/plain').end('Not found');
      return;
    }
    options.staticFiles.serve(req, res).catch(next);
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (error instanceof HttpError) {
      if (error.status === 401) options.onUnauthorized?.();
      res.status(error.status).json({ error: error.message });
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // express.json's own errors: too large, malformed.
      res.status(status).json({ error: status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.' });
      return;
    }
    options.log.error({ err: error }, 'http handler failed');
    res.status(500).json({ error: 'The server could not handle this request; try again.' });
  });
  return app;
}
