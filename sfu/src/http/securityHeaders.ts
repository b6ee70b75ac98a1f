import type { NextFunction, Request, Response } from 'express';

/**
 * Headers on every response. The CSP allows only this origin's scripts; inline styles stay allowed
 * because React sets style attributes. Invite links carry tokens, so no Referer leaves the origin (same-origin keeps the Origin header on our own form posts).
 */
export function securityHeaders(options: { secure: boolean; oidcIssuer?: string }) {
  const formAction = ["'self'", options.oidcIssuer ? new URL(options.oidcIssuer).origin : undefined].filter(Boolean).join(' ');
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('content-security-policy', csp);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'same-origin');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('permissions-policy', 'microphone=(self), camera=(), geolocation=()');
    if (options.secure) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
    next();
  };
}
