// The parts of Electron the shell uses, as interfaces. main.ts passes Electron's real modules (the
// type check proves they fit); tests pass fakes, because the Electron binary cannot run there.
import type {
  BrowserWindowConstructorOptions,
  Cookie,
  CookiesGetFilter,
  CookiesSetDetails,
  HandlerDetails,
  MenuItemConstructorOptions,
  PermissionCheckHandlerHandlerDetails,
  Rectangle,
  WindowOpenHandlerResponse,
} from 'electron';

/** Electron's cancellable event (navigation, open-url, …). */
export interface PreventableEvent {
  preventDefault(): void;
}

export interface AppModule {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  quit(): void;
  whenReady(): Promise<void>;
  getPath(name: 'userData'): string;
  getVersion(): string;
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
  on(event: 'second-instance', listener: (event: PreventableEvent, argv: string[]) => void): unknown;
  on(event: 'open-url', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: PreventableEvent, contents: WebContentsLike) => void): unknown;
}

export interface CookiesLike {
  get(filter: CookiesGetFilter): Promise<Cookie[]>;
  set(details: CookiesSetDetails): Promise<void>;
  remove(url: string, name: string): Promise<void>;
}

export interface WebRequestLike {
  onBeforeRequest(
    filter: { urls: string[] },
    listener: ((details: { url: string; method: string }, callback: (response: { cancel?: boolean }) => void) => void) | null,
  ): void;
}

export type PermissionRequestHandler = (
  webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: { requestingUrl: string; isMainFrame: boolean; mediaTypes?: Array<'video' | 'audio'> },
) => void;

export type PermissionCheckHandler = (
  webContents: unknown,
  permission: string,
  requestingOrigin: string,
  details: PermissionCheckHandlerHandlerDetails,
) => boolean;

export interface SessionLike {
  readonly cookies: CookiesLike;
  readonly webRequest: WebRequestLike;
  fetch(input: string, init?: RequestInit): Promise<Response>;
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void;
  clearStorageData(options?: { origin?: string; storages?: Array<'cookies' | 'localstorage' | 'indexdb' | 'serviceworkers' | 'cachestorage'> }): Promise<void>;
}

export interface SessionModule {
  fromPartition(partition: string): SessionLike;
}

export interface WebContentsLike {
  readonly session: SessionLike;
  getURL(): string;
  loadURL(url: string): Promise<void>;
  loadFile(filePath: string, options?: { query?: Record<string, string> }): Promise<void>;
  reload(): void;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
  on(event: 'will-navigate', listener: (event: PreventableEvent & { url: string; isMainFrame: boolean }) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: PreventableEvent & { url: string; isMainFrame: boolean }) => void): unknown;
  on(event: 'will-redirect', listener: (event: PreventableEvent & { url: string; isMainFrame: boolean }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  maximize(): void;
  restore(): void;
  show(): void;
  focus(): void;
  on(event: 'close' | 'closed' | 'resize' | 'move' | 'maximize' | 'unmaximize' | 'ready-to-show', listener: () => void): unknown;
}

export interface BrowserWindowModule {
  new (options: BrowserWindowConstructorOptions): BrowserWindowLike;
}

export interface DialogModule {
  showErrorBox(title: string, content: string): void;
}

export interface ShellModule {
  openExternal(url: string): Promise<void>;
}

export interface SafeStorageModule {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface IpcMainModule {
  handle(channel: string, listener: (event: { senderFrame: { url: string; parent: unknown } | null }, ...args: unknown[]) => unknown): void;
}

export interface ScreenModule {
  getAllDisplays(): Array<{ workArea: Rectangle }>;
}

export interface MenuModule {
  buildFromTemplate(template: MenuItemConstructorOptions[]): object;
  setApplicationMenu(menu: object | null): void;
}

/** electron-updater's autoUpdater, as far as the shell drives it. */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdatesAndNotify(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Everything the shell takes from Electron (and electron-updater), injected. */
export interface ElectronModules {
  app: AppModule;
  BrowserWindow: BrowserWindowModule;
  shell: ShellModule;
  session: SessionModule;
  safeStorage: SafeStorageModule;
  ipcMain: IpcMainModule;
  screen: ScreenModule;
  Menu: MenuModule;
  dialog: DialogModule;
  /** Loaded only when updates are turned on. */
  loadAutoUpdater: () => Promise<AutoUpdaterLike>;
}
