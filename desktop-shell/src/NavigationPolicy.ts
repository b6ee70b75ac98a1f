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
 * One key per local page, however its file: URL is spelt (percent-escapes, a drive letter's case on
 * Windows), without query or fragment; undefined for anything else.
 */
export function appPageKey(rawUrl: string, caseInsensitive = process.platform === 'win32'): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'file:') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  const key = `${url.host}${path}`;
  return caseInsensitive ? key.toLowerCase() : key;
}

/**
 * Decides where a navigation may go. The window is for one origin, the server the user chose, so a
 * page there cannot lead it anywhere else (a phishing page in the app's frame, or another origin
 * inheriting the microphone permission).
 */
export class NavigationPolicy {
  private readonly appPages: Set<string>;

  constructor(
    private readonly serverOrigin: () => string | undefined,
    /** file: URL of the app's own pages (the first-run screen). */
    appPageUrls: readonly string[],
  ) {
    this.appPages = new Set(appPageUrls.map((u) => appPageKey(u)).filter((k) => k !== undefined));
  }

  /** Whether a URL is one of the app's own pages. */
  isAppPage(rawUrl: string): boolean {
    const key = appPageKey(rawUrl);
    return key !== undefined && this.appPages.has(key);
  }

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
    if (url.protocol === 'file:') return this.isAppPage(rawUrl) ? { kind: 'allow' } : { kind: 'deny' };
    if (url.protocol === 'parley:') {
      const link = parseDeepLink(rawUrl);
      return link ? { kind: 'deep-link', link } : { kind: 'deny' };
    }
    if (EXTERNAL_SCHEMES.has(url.protocol)) return { kind: 'external', url: url.toString() };
    return { kind: 'deny' };
  }
}
