import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AccountController } from './auth/AccountController.js';
import type { FetchLike } from './auth/DesktopTokenClient.js';
import { SignInError } from './auth/SignInError.js';
import { TokenVault } from './auth/TokenVault.js';
import { WindowSession } from './auth/WindowSession.js';
import { appMenuTemplate } from './AppMenu.js';
import type { FirstRunInfo, SignInResult } from './bridge.js';
import { BridgeHandlers, type BridgeTarget } from './BridgeHandlers.js';
import type { ShellConfig } from './config.js';
import { DEEP_LINK_SCHEME, deepLinkFromArgv, parseDeepLink, roomUrl, type JoinLink } from './DeepLink.js';
import type { ElectronModules, SessionLike } from './electron/ElectronModules.js';
import { NavigationGuard } from './NavigationGuard.js';
import { NavigationPolicy } from './NavigationPolicy.js';
import { PermissionPolicy } from './PermissionPolicy.js';
import { checkServer, type ServerCheck } from './ServerAddress.js';
import { SettingsStore } from './SettingsStore.js';
import { consoleLog, type ShellLog } from './ShellLog.js';
import { ShellWindow } from './ShellWindow.js';
import { AutoUpdate } from './updates/AutoUpdate.js';
import { WindowStateStore } from './WindowStateStore.js';

/** The window's cookies, storage and permissions, kept between runs. */
export const SESSION_PARTITION = 'persist:parley';

export interface DesktopShellOptions {
  modules: ElectronModules;
  config: ShellConfig;
  /** The bundled preload script and first-run page (and the window icon). */
  paths: { preload: string; firstRunPage: string; icon?: string };
  /** This process's arguments: a parley:// link among them is opened. */
  argv: readonly string[];
  /** What Windows runs for parley:// links when the app is not installed (a development copy). */
  protocolClient?: { path: string; args: string[] };
  log?: ShellLog;
  fetchImpl?: FetchLike;
}

/**
 * The desktop app's main process: one instance, one window on the server the person chose, sign-in
 * through the system browser, parley:// links. Electron's modules come in through `modules`.
 */
export class DesktopShell implements BridgeTarget {
  private readonly log: ShellLog;
  private readonly navigation: NavigationPolicy;
  private readonly guard: NavigationGuard;
  private readonly permissions: PermissionPolicy;
  private settings: SettingsStore | undefined;
  private account: AccountController | undefined;
  private session: SessionLike | undefined;
  private shellWindow: ShellWindow | undefined;
  private pendingLink: JoinLink | undefined;

  constructor(private readonly options: DesktopShellOptions) {
    this.log = options.log ?? consoleLog;
    const server = () => this.serverOrigin;
    this.navigation = new NavigationPolicy(server, [pathToFileURL(options.paths.firstRunPage).href]);
    this.permissions = new PermissionPolicy(server);
    this.guard = new NavigationGuard(this.navigation, {
      signIn: () => void this.signInFromWindow(),
      openLink: (link) => void this.openLink(link),
      openExternal: (url) => void this.options.modules.shell.openExternal(url).catch(() => undefined),
    });
  }

  get serverOrigin(): string | undefined {
    return this.settings?.serverOrigin;
  }

  get window(): ShellWindow | undefined {
    return this.shellWindow;
  }

  /** False when another instance is running: it was handed this one's arguments, and this one quits. */
  async start(): Promise<boolean> {
    const { app } = this.options.modules;
    if (!app.requestSingleInstanceLock()) {
      app.quit();
      return false;
    }
    // Registered before ready, so a link that launched the app is not missed.
    app.on('second-instance', (_event, argv) => this.onSecondInstance(argv));
    app.on('open-url', (event, url) => {
      event.preventDefault();
      const link = parseDeepLink(url);
      if (!link) return;
      this.shellWindow?.focus();
      void this.openLink(link);
    });
    app.on('web-contents-created', (_event, contents) => this.guard.attach(contents));
    app.on('window-all-closed', () => app.quit());
    const client = this.options.protocolClient;
    if (client) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, client.path, client.args);
    else app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);

    await app.whenReady();
    const dataDir = app.getPath('userData');
    mkdirSync(dataDir, { recursive: true });
    const { modules } = this.options;
    this.settings = new SettingsStore(dataDir);
    this.session = modules.session.fromPartition(SESSION_PARTITION);
    const session = this.session;
    this.account = new AccountController({
      shell: modules.shell,
      vault: new TokenVault(modules.safeStorage, join(dataDir, 'sign-in.bin')),
      windowSession: (origin) => new WindowSession(session, origin),
      signInTimeoutMs: this.options.config.PARLEY_SIGN_IN_TIMEOUT_SECONDS * 1000,
      log: this.log,
      fetchImpl: this.options.fetchImpl,
    });
    this.permissions.install(session);
    this.watchWebSignOut(session);
    new BridgeHandlers(modules.ipcMain, this).register();
    modules.Menu.setApplicationMenu(modules.Menu.buildFromTemplate(appMenuTemplate({
      changeServer: () => void this.showFirstRun(),
      signIn: () => void this.signInFromWindow(),
      signOut: () => void this.signOut(),
      reload: () => this.shellWindow?.window.webContents.reload(),
      quit: () => app.quit(),
    })));
    this.shellWindow = new ShellWindow({
      BrowserWindow: modules.BrowserWindow,
      screen: modules.screen,
      partition: SESSION_PARTITION,
      preloadPath: this.options.paths.preload,
      iconPath: this.options.paths.icon,
      state: new WindowStateStore(dataDir),
      guard: this.guard,
    });
    this.shellWindow.window.on('closed', () => (this.shellWindow = undefined));
    await this.showStart(deepLinkFromArgv(this.options.argv));
    void new AutoUpdate(this.options.config, modules.loadAutoUpdater, this.log).start(app.isPackaged).catch((error: Error) => this.log.warn(`Updates could not start: ${error.message}`));
    return true;
  }

  // --- the bridge (BridgeHandlers checks which page may call what) ---

  firstRunInfo(): FirstRunInfo {
    return { suggestedServer: this.serverOrigin ?? this.options.config.PARLEY_SERVER_URL ?? '', version: this.options.modules.app.getVersion() };
  }

  checkServer(address: string): Promise<ServerCheck> {
    return checkServer(address, this.options.fetchImpl);
  }

  /** Checks the address, keeps it, and opens it (or the room a link asked for meanwhile). */
  async useServer(address: string): Promise<ServerCheck> {
    const check = await this.checkServer(address);
    if (!check.ok || !this.settings || !this.account) return check;
    const previous = this.settings.serverOrigin;
    // A sign-in belongs to one server: changing servers ends the old one.
    if (previous && previous !== check.origin) await this.account.signOut(previous);
    this.settings.setServerOrigin(check.origin);
    const link = this.pendingLink;
    this.pendingLink = undefined;
    await this.load(link ? roomUrl(check.origin, link.room) : `${check.origin}/`);
    return check;
  }

  async signIn(): Promise<SignInResult> {
    const server = this.serverOrigin;
    if (!server || !this.account) return { ok: false, reason: 'no-server', error: 'Choose a Parley server first.' };
    try {
      return { ok: true, user: await this.account.signIn(server) };
    } catch (error) {
      if (error instanceof SignInError) return { ok: false, reason: error.reason, error: error.message };
      this.log.error(`Sign-in failed: ${(error as Error).message}`);
      return { ok: false, reason: 'unexpected', error: 'Sign-in failed unexpectedly; try again.' };
    }
  }

  async signOut(): Promise<{ revoked: boolean }> {
    const result = (await this.account?.signOut(this.serverOrigin)) ?? { revoked: true };
    if (this.serverOrigin) await this.load(`${this.serverOrigin}/`);
    return result;
  }

  isFirstRunPage(url: string): boolean {
    return this.navigation.isAppPage(url);
  }

  isServerPage(url: string): boolean {
    try {
      return new URL(url).origin === this.serverOrigin;
    } catch {
      return false;
    }
  }

  // --- the rest ---

  /** The web app's own sign-in button leads here (its navigation to /auth/signin is stopped). */
  async signInFromWindow(): Promise<SignInResult> {
    const result = await this.signIn();
    const contents = this.shellWindow?.window.webContents;
    if (result.ok) contents?.reload();
    else if (result.reason !== 'cancelled') this.options.modules.dialog.showErrorBox('Not signed in', result.error);
    return result;
  }

  async openLink(link: JoinLink): Promise<void> {
    const server = this.serverOrigin;
    if (!server) {
      this.pendingLink = link;
      return this.showFirstRun();
    }
    await this.load(roomUrl(server, link.room));
  }

  private onSecondInstance(argv: readonly string[]): void {
    this.shellWindow?.focus();
    const link = deepLinkFromArgv(argv);
    if (link) void this.openLink(link);
  }

  private async showStart(link: JoinLink | null): Promise<void> {
    const server = this.serverOrigin;
    if (!server || !this.account) {
      this.pendingLink = link ?? undefined;
      return this.showFirstRun();
    }
    await this.account.restore(server).catch((error: Error) => this.log.warn(`Could not restore the sign-in: ${error.message}`));
    await this.load(link ? roomUrl(server, link.room) : `${server}/`);
  }

  async showFirstRun(error?: string): Promise<void> {
    const contents = this.shellWindow?.window.webContents;
    await contents?.loadFile(this.options.paths.firstRunPage, error ? { query: { error } } : undefined).catch(() => undefined);
  }

  /** Opens a page of the server; when the server cannot be reached, the first-run page says so. */
  private async load(url: string): Promise<void> {
    const contents = this.shellWindow?.window.webContents;
    if (!contents) return;
    try {
      await contents.loadURL(url);
    } catch {
      await this.showFirstRun(`Could not open ${new URL(url).origin}. Check your connection, or choose another server.`);
    }
  }

  /** The web app's own "Sign out" (a POST to /auth/signout) also revokes and forgets the app's tokens. */
  private watchWebSignOut(session: SessionLike): void {
    session.webRequest.onBeforeRequest({ urls: ['*://*/auth/signout*'] }, (details, callback) => {
      callback({});
      if (details.method === 'POST' && this.isServerPage(details.url)) void this.account?.signOut(this.serverOrigin);
    });
  }
}
