import type { CookiesSetDetails } from 'electron';
import { userSchema, type User } from '@parley/protocol';
import type { SessionLike } from '../electron/ElectronModules.js';
import { SignInError } from './SignInError.js';

/** Reads one Set-Cookie line into what Electron's cookie store takes. */
export function cookieFromSetCookie(line: string, url: string, nowMs = Date.now()): CookiesSetDetails | undefined {
  const [pair, ...attributes] = line.split(';');
  const at = pair?.indexOf('=') ?? -1;
  if (!pair || at < 1) return undefined;
  const cookie: CookiesSetDetails = { url, name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), path: '/' };
  for (const attribute of attributes) {
    const [rawKey, ...rest] = attribute.split('=');
    const key = rawKey!.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path' && value.startsWith('/')) cookie.path = value;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'max-age' && /^-?\d+$/.test(value)) cookie.expirationDate = Math.floor(nowMs / 1000) + Number(value);
    else if (key === 'expires' && cookie.expirationDate === undefined && !Number.isNaN(Date.parse(value))) cookie.expirationDate = Math.floor(Date.parse(value) / 1000);
    else if (key === 'samesite') cookie.sameSite = value.toLowerCase() === 'strict' ? 'strict' : value.toLowerCase() === 'none' ? 'no_restriction' : 'lax';
  }
  return cookie;
}

/**
 * Signs the app's window in: the server turns a desktop access token into the web app's normal
 * session cookie (`POST /api/desktop/session`), asked through the window's own session so the
 * cookie lands in the window's cookie store, where the web app's requests find it.
 */
export class WindowSession {
  constructor(
    private readonly session: SessionLike,
    private readonly serverOrigin: string,
  ) {}

  async signIn(accessToken: string): Promise<User> {
    let response: Response;
    try {
      response = await this.session.fetch(`${this.serverOrigin}/api/desktop/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
        credentials: 'include',
        redirect: 'error',
      });
    } catch {
      throw new SignInError('unreachable', `Could not reach ${this.serverOrigin} to sign the window in; check your connection and try again.`);
    }
    const body = (await response.json().catch(() => undefined)) as { user?: unknown; error?: unknown } | undefined;
    if (!response.ok) {
      const sentence = typeof body?.error === 'string' ? body.error.slice(0, 300) : `HTTP ${response.status}`;
      throw new SignInError('rejected', `The server did not sign the window in: ${sentence}`);
    }
    const user = userSchema.safeParse(body?.user);
    if (!user.success) throw new SignInError('bad-reply', 'The server’s answer to signing the window in was not in the form Parley uses.');
    await this.ensureCookiesStored(response);
    return user.data;
  }

  /** Signs the window out locally: the server's cookies go, so the web app shows the signed-out page. */
  async clear(): Promise<void> {
    await this.session.clearStorageData({ origin: this.serverOrigin, storages: ['cookies'] });
  }

  /**
   * Chromium's network stack stores cookies of credentialed requests itself; should a version not
   * do so for requests from the main process, the cookies the server set are stored here instead.
   */
  private async ensureCookiesStored(response: Response): Promise<void> {
    const sent = response.headers.getSetCookie().map((line) => cookieFromSetCookie(line, this.serverOrigin)).filter((c) => c !== undefined);
    const stored = new Map((await this.session.cookies.get({ url: this.serverOrigin })).map((c) => [c.name, c.value]));
    for (const cookie of sent) {
      if (stored.get(cookie.name!) !== cookie.value) await this.session.cookies.set(cookie);
    }
    if (sent.length === 0 && stored.size === 0) throw new SignInError('bad-reply', 'The server answered without a session cookie; check that the address is a Parley server.');
  }
}
