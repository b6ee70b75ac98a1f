// Electron's Session, standing in for it in tests (the Electron binary cannot run here): a cookie
// store per host, real HTTP for fetches, webRequest listeners and permission handlers kept to be run.
import type { Cookie, CookiesGetFilter, CookiesSetDetails } from 'electron';
import type { CookiesLike, PermissionCheckHandler, PermissionRequestHandler, SessionLike } from '../electron/ElectronModules.js';

interface StoredCookie extends Cookie {
  host: string;
}

/** Chromium's cookie store, per host; enough for one server. */
export class FakeCookies implements CookiesLike {
  readonly all: StoredCookie[] = [];

  async get(filter: CookiesGetFilter): Promise<Cookie[]> {
    const host = filter.url ? new URL(filter.url).host : undefined;
    return this.all.filter((c) => (!host || c.host === host) && (!filter.name || c.name === filter.name));
  }

  async set(details: CookiesSetDetails): Promise<void> {
    const host = new URL(details.url).host;
    const name = details.name ?? '';
    this.removeSync(host, name);
    if (details.expirationDate !== undefined && details.expirationDate * 1000 <= Date.now()) return;
    this.all.push({ host, name, value: details.value ?? '', path: details.path ?? '/', httpOnly: details.httpOnly, secure: details.secure, sameSite: details.sameSite ?? 'lax', expirationDate: details.expirationDate });
  }

  async remove(url: string, name: string): Promise<void> {
    this.removeSync(new URL(url).host, name);
  }

  header(url: string): string {
    const host = new URL(url).host;
    return this.all.filter((c) => c.host === host).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** Stores a response's Set-Cookie lines, as Chromium's network stack does. */
  storeFrom(url: string, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const maxAge = attributes.map((a) => /^\s*max-age=(-?\d+)/i.exec(a)?.[1]).find((v) => v !== undefined);
      const expired = maxAge !== undefined ? Number(maxAge) <= 0 : attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a));
      void this.set({ url, name: pair!.slice(0, at).trim(), value: pair!.slice(at + 1).trim(), ...(expired ? { expirationDate: 0 } : {}) });
    }
  }

  private removeSync(host: string, name: string): void {
    const at = this.all.findIndex((c) => c.host === host && c.name === name);
    if (at >= 0) this.all.splice(at, 1);
  }
}

export class FakeSession implements SessionLike {
  readonly cookies = new FakeCookies();
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  readonly requestListeners: Array<{ urls: string[]; listener: (details: { url: string; method: string }, callback: (r: { cancel?: boolean }) => void) => void }> = [];
  readonly webRequest = {
    onBeforeRequest: (filter: { urls: string[] }, listener: ((details: { url: string; method: string }, callback: (r: { cancel?: boolean }) => void) => void) | null) => {
      if (listener) this.requestListeners.push({ urls: filter.urls, listener });
    },
  };
  readonly fetches: string[] = [];

  constructor(
    /** Whether credentialed fetches store the cookies they get (Chromium does); false tests the fallback. */
    private readonly storesFetchCookies = true,
  ) {}

  /** Chromium's fetch from the main process: real HTTP, with this session's cookies when credentials are included. */
  async fetch(input: string, init: RequestInit = {}): Promise<Response> {
    const request = await this.beforeRequest(input, init.method ?? 'GET');
    if (request.cancel) throw new TypeError('net::ERR_BLOCKED_BY_CLIENT');
    this.fetches.push(`${init.method ?? 'GET'} ${input}`);
    const include = init.credentials === 'include';
    const headers = new Headers(init.headers);
    if (include && this.cookies.header(input)) headers.set('cookie', this.cookies.header(input));
    const response = await fetch(input, { ...init, headers });
    if (include && this.storesFetchCookies) this.cookies.storeFrom(input, response);
    return response;
  }

  /** A request the page itself makes (its fetch, a navigation): always with the session's cookies, always storing new ones. */
  async pageFetch(input: string, init: RequestInit = {}): Promise<Response> {
    const request = await this.beforeRequest(input, init.method ?? 'GET');
    if (request.cancel) throw new TypeError('net::ERR_BLOCKED_BY_CLIENT');
    const headers = new Headers(init.headers);
    if (this.cookies.header(input)) headers.set('cookie', this.cookies.header(input));
    const response = await fetch(input, { ...init, headers });
    this.cookies.storeFrom(input, response);
    return response;
  }

  /** Runs the webRequest listeners whose pattern matches a request. */
  async beforeRequest(url: string, method: string): Promise<{ cancel?: boolean }> {
    let outcome: { cancel?: boolean } = {};
    for (const { urls, listener } of this.requestListeners) {
      if (!urls.some((pattern) => matchesPattern(pattern, url))) continue;
      outcome = await new Promise((resolve) => listener({ url, method }, resolve));
      if (outcome.cancel) return outcome;
    }
    return outcome;
  }

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }

  async clearStorageData(options: { origin?: string; storages?: string[] } = {}): Promise<void> {
    if (options.storages && !options.storages.includes('cookies')) return;
    const host = options.origin ? new URL(options.origin).host : undefined;
    for (const cookie of [...this.cookies.all]) if (!host || cookie.host === host) await this.cookies.remove(`http://${cookie.host}`, cookie.name);
  }

  /** Asks for a permission as a page would; resolves with Electron's answer. */
  requestPermission(permission: string, requestingUrl: string, mediaTypes?: Array<'audio' | 'video'>, isMainFrame = true): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.permissionRequestHandler) return resolve(true); // Electron grants everything when no handler is set
      this.permissionRequestHandler({}, permission, resolve, { requestingUrl, isMainFrame, mediaTypes });
    });
  }
}

// Chromium URL match patterns as webRequest filters use them, with "*" for any scheme, host or path tail.
function matchesPattern(pattern: string, url: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  const parsed = new URL(url);
  const withoutPort = `${parsed.protocol}//${parsed.hostname}${parsed.pathname}${parsed.search}`;
  return new RegExp(`^${escaped}$`).test(withoutPort);
}
