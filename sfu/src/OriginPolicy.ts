import type { IncomingMessage } from 'node:http';

/**
 * Decides whether a browser page may open a socket: its Origin must be listed, or, with no list,
 * be the very host the request was sent to. Requests without Origin are not from a browser page
 * (the desktop shell, tools) and are left to authentication.
 */
export class OriginPolicy {
  private readonly allowed: Set<string> | undefined;

  constructor(allowedOrigins: readonly string[] | undefined) {
    this.allowed = allowedOrigins?.length ? new Set(allowedOrigins.map((o) => new URL(o).origin)) : undefined;
  }

  allows(request: Pick<IncomingMessage, 'headers'>): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    if (this.allowed) return this.allowed.has(parsed.origin);
    return parsed.host === request.headers.host;
  }
}
