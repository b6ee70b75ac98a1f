// Stand-ins for Electron's modules, for tests under Node: the Electron binary cannot run here. Each
// fakes only what Electron itself would do (events, a cookie store, an OS key); the HTTP they do
// is real, so the shell's logic meets real servers through them.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, Cookie, CookiesGetFilter, CookiesSetDetails, HandlerDetails, MenuItemConstructorOptions, Rectangle, WindowOpenHandlerResponse } from 'electron';
import type {
  AppModule,
  AutoUpdaterLike,
  BrowserWindowLike,
  CookiesLike,
  ElectronModules,
  PermissionCheckHandler,
  PermissionRequestHandler,
  PreventableEvent,
  SessionLike,
  WebContentsLike,
} from '../electron/ElectronModules.js';

export class FakeEvent implements PreventableEvent {
  defaultPrevented = false;

  constructor(
    readonly url = '',
    readonly isMainFrame = true,
  ) {}

  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** Electron's single-instance lock: the first app holds it; a later one is refused and its argv goes to the holder. */
export class FakeInstanceLock {
  holder: FakeApp | undefined;
}

export class FakeApp extends EventEmitter implements AppModule {
  isPackaged = false;
  quitCalls = 0;
  readonly protocolClients: Array<{ protocol: string; path?: string; args?: string[] }> = [];

  constructor(
    readonly userData: string,
    private readonly lock = new FakeInstanceLock(),
    readonly argv: string[] = ['parley.exe'],
  ) {
    super();
  }

  requestSingleInstanceLock(): boolean {
    if (!this.lock.holder) {
      this.lock.holder = this;
      return true;
    }
    this.lock.holder.emit('second-instance', new FakeEvent(), this.argv, '/');
    return false;
  }

  quit(): void {
    this.quitCalls++;
    if (this.lock.holder === this) this.lock.holder = undefined;
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  getPath(): string {
    return this.userData;
  }

  getVersion(): string {
    return '0.1.0';
  }

  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean {
    this.protocolClients.push({ protocol, path, args });
    return true;
  }
}

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

export class FakeWebContents extends EventEmitter implements WebContentsLike {
  url = '';
  reloads = 0;
  /** What the page shows after the last load (the body of the page fetched, for http pages). */
  lastBody = '';
  readonly history: string[] = [];
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;

  constructor(
    readonly session: FakeSession,
    /** Whether loading an http(s) page fetches it through the session (true in tests with a real server). */
    private readonly fetchPages: boolean,
  ) {
    super();
  }

  getURL(): string {
    return this.url;
  }

  async loadURL(url: string): Promise<void> {
    this.url = url;
    this.history.push(url);
    if (!this.fetchPages || !/^https?:/.test(url)) return;
    // Chromium rejects loadURL when the page cannot be fetched (ERR_CONNECTION_REFUSED and the like).
    const response = await this.session.pageFetch(url);
    this.lastBody = await response.text();
  }

  async loadFile(filePath: string, options?: { query?: Record<string, string> }): Promise<void> {
    const query = options?.query ? `?${new URLSearchParams(options.query)}` : '';
    await this.loadURL(`${pathToFileURL(filePath).href}${query}`);
  }

  reload(): void {
    this.reloads++;
  }

  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }

  /** A navigation the page starts (link, form, location): true when it went ahead. */
  navigate(url: string, event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate' = 'will-navigate', isMainFrame = true): boolean {
    const e = new FakeEvent(url, isMainFrame);
    this.emit(event, e);
    if (!e.defaultPrevented && isMainFrame) {
      this.url = url;
      this.history.push(url);
    }
    return !e.defaultPrevented;
  }

  /** window.open or a target=_blank link: Electron's answer. */
  openWindow(url: string): WindowOpenHandlerResponse {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'foreground-tab', referrer: { url: '', policy: 'default' } });
  }
}

export class FakeBrowserWindow extends EventEmitter implements BrowserWindowLike {
  static created: FakeBrowserWindow[] = [];
  static sessions = new Map<string, FakeSession>();
  static fetchPages = false;
  readonly webContents: FakeWebContents;
  bounds: Rectangle;
  maximized = false;
  minimized = false;
  destroyed = false;
  shown = 0;
  focused = 0;

  /** Between tests: no windows, no sessions, pages not fetched. */
  static reset(fetchPages = false): void {
    FakeBrowserWindow.created = [];
    FakeBrowserWindow.sessions = new Map();
    FakeBrowserWindow.fetchPages = fetchPages;
  }

  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    const partition = options.webPreferences?.partition ?? '';
    const session = FakeBrowserWindow.sessions.get(partition) ?? new FakeSession();
    FakeBrowserWindow.sessions.set(partition, session);
    this.webContents = new FakeWebContents(session, FakeBrowserWindow.fetchPages);
    this.bounds = { x: options.x ?? 100, y: options.y ?? 100, width: options.width ?? 800, height: options.height ?? 600 };
    FakeBrowserWindow.created.push(this);
  }

  getNormalBounds(): Rectangle {
    return this.bounds;
  }

  isMaximized(): boolean {
    return this.maximized;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  maximize(): void {
    this.maximized = true;
  }

  restore(): void {
    this.minimized = false;
  }

  show(): void {
    this.shown++;
  }

  focus(): void {
    this.focused++;
  }

  /** The person closes the window. */
  close(): void {
    this.emit('close');
    this.destroyed = true;
    this.emit('closed');
  }
}

/**
 * Electron's safeStorage: encrypts with a key the "operating system" keeps (here, one per instance,
 * AES-256-GCM), so what lands on disk is ciphertext, and another key cannot read it.
 */
export class FakeSafeStorage {
  available = true;
  private readonly key = randomBytes(32);

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  encryptString(plainText: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decryptString(encrypted: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, encrypted.subarray(0, 12));
    decipher.setAuthTag(encrypted.subarray(12, 28));
    return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
  }
}

type Handler = (event: { senderFrame: { url: string; parent: unknown } | null }, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  /** ipcRenderer.invoke from a frame at `frameUrl` (a subframe when `parent` is given). */
  async invoke(channel: string, frameUrl: string, args: unknown[] = [], parent: unknown = null): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ senderFrame: { url: frameUrl, parent } }, ...args);
  }
}

export class FakeAutoUpdater extends EventEmitter implements AutoUpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  feeds: Array<{ provider: 'generic'; url: string }> = [];
  checks = 0;
  failCheckWith: Error | undefined;

  setFeedURL(options: { provider: 'generic'; url: string }): void {
    this.feeds.push(options);
  }

  async checkForUpdatesAndNotify(): Promise<unknown> {
    this.checks++;
    if (this.failCheckWith) throw this.failCheckWith;
    return null;
  }
}

export interface FakeElectron extends ElectronModules {
  app: FakeApp;
  safeStorage: FakeSafeStorage;
  ipcMain: FakeIpcMain;
  opened: string[];
  errors: Array<{ title: string; content: string }>;
  menus: MenuItemConstructorOptions[][];
  updater: FakeAutoUpdater;
  updaterLoads: number;
}

/** One set of fakes; `openExternal` is the system browser (a test drives it). */
export function fakeElectron(options: {
  userData: string;
  openExternal?: (url: string) => Promise<void> | void;
  lock?: FakeInstanceLock;
  argv?: string[];
  safeStorage?: FakeSafeStorage;
  displays?: Rectangle[];
}): FakeElectron {
  const opened: string[] = [];
  const errors: Array<{ title: string; content: string }> = [];
  const menus: MenuItemConstructorOptions[][] = [];
  const updater = new FakeAutoUpdater();
  const fake: FakeElectron = {
    app: new FakeApp(options.userData, options.lock, options.argv),
    BrowserWindow: FakeBrowserWindow,
    shell: {
      openExternal: async (url: string) => {
        opened.push(url);
        await options.openExternal?.(url);
      },
    },
    session: { fromPartition: (partition: string) => FakeBrowserWindow.sessions.get(partition) ?? FakeBrowserWindow.sessions.set(partition, new FakeSession()).get(partition)! },
    safeStorage: options.safeStorage ?? new FakeSafeStorage(),
    ipcMain: new FakeIpcMain(),
    screen: { getAllDisplays: () => (options.displays ?? [{ x: 0, y: 0, width: 1920, height: 1040 }]).map((workArea) => ({ workArea })) },
    Menu: {
      buildFromTemplate: (template: MenuItemConstructorOptions[]) => {
        menus.push(template);
        return { template };
      },
      setApplicationMenu: () => undefined,
    },
    dialog: { showErrorBox: (title: string, content: string) => void errors.push({ title, content }) },
    loadAutoUpdater: async () => {
      fake.updaterLoads++;
      return updater;
    },
    opened,
    errors,
    menus,
    updater,
    updaterLoads: 0,
  };
  return fake;
}
