// Stand-ins for Electron's modules, for tests under Node: the Electron binary cannot run here. Each
// fakes only what Electron itself would do (events, a cookie store, an OS key); the HTTP they do
// is real, so the shell's logic meets real servers through them.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, HandlerDetails, MenuItemConstructorOptions, Rectangle, WindowOpenHandlerResponse } from 'electron';
import type {
  AppModule,
  AutoUpdaterLike,
  BrowserWindowLike,
  ElectronModules,
  PreventableEvent,
  WebContentsLike,
} from '../electron/ElectronModules.js';
import { FakeSession } from './FakeSession.js';

export { FakeCookies, FakeSession } from './FakeSession.js';

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
