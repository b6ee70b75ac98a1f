import { parseDeepLink, type JoinLink } from './DeepLink.js';

export type NavigationDecision =
  /** Stays in the window: the configured server's own pages, or the app's own first-run page. */
  | { kind: 'allow' }
  /** The web app asked to sign in: done in the system browser instead (RFC 8252), never in the window. */
  | { kind: 'sign-in' }
  /** A parley:// link clicked in the window. */
  | { kind: 'deep-link'; link: JoinLink }
  /** Another site: opened in the system browser. */
  | { kind: 'external'; url: string }
  | { kind: 'deny' };

const EXTERNAL_SCHEMES = new Set(['https:', 'http:', 'mailto:']);

/**
 * Decides where a navigation may go. The window is for one origin, the server the user chose, so a
 * page there cannot lead it anywhere else (a phishing page in the app's frame, or another origin
 * inheriting the microphone permission).
 */
export class NavigationPolicy {
  constructor(
    private readonly serverOrigin: () => string | undefined,
    /** file: URL of the app's own pages (the first-run screen). */
    private readonly appPageUrls: readonly string[],
  ) {}

  decide(rawUrl: string): NavigationDecision {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return { kind: 'deny' };
    }
    if (url.username || url.password) return { kind: 'deny' };
    const server = this.serverOrigin();
    if (server && url.origin === server) {
      // Sign-out stays (it only ends the session); every other /auth/ page would sign in inside the window.
      if (url.pathname.startsWith('/auth/') && !url.pathname.startsWith('/auth/signout')) return { kind: 'sign-in' };
      return { kind: 'allow' };
    }
    if (url.protocol === 'file:') {
      const page = `${url.protocol}//${url.host}${url.pathname}`;
      return this.appPageUrls.includes(page) ? { kind: 'allow' } : { kind: 'deny' };
    }
    if (url.protocol === 'parley:') {
      const link = parseDeepLink(rawUrl);
      return link ? { kind: 'deep-link', link } : { kind: 'deny' };
    }
    if (EXTERNAL_SCHEMES.has(url.protocol)) return { kind: 'external', url: url.toString() };
    return { kind: 'deny' };
  }
}
