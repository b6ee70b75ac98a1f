import type { BrowserWindowConstructorOptions } from 'electron';
import type { BrowserWindowLike, BrowserWindowModule, ScreenModule } from './electron/ElectronModules.js';
import type { NavigationGuard } from './NavigationGuard.js';
import type { WindowStateStore } from './WindowStateStore.js';

export interface ShellWindowOptions {
  BrowserWindow: BrowserWindowModule;
  screen: ScreenModule;
  /** The persistent session partition the window's cookies and permissions live in. */
  partition: string;
  preloadPath: string;
  iconPath?: string;
  state: WindowStateStore;
  guard: NavigationGuard;
}

/** What every page in the app runs with: isolated from Node and from the preload, sandboxed. */
export function secureWebPreferences(partition: string, preloadPath: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    partition,
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  };
}

/** The app's one window: opened where it was last time, guarded, and remembered when it closes. */
export class ShellWindow {
  readonly window: BrowserWindowLike;

  constructor(options: ShellWindowOptions) {
    const { bounds, maximized } = options.state.initial(options.screen.getAllDisplays().map((d) => d.workArea));
    this.window = new options.BrowserWindow({
      ...bounds,
      minWidth: 420,
      minHeight: 480,
      show: false,
      title: 'Parley',
      backgroundColor: '#ffffff',
      ...(options.iconPath ? { icon: options.iconPath } : {}),
      webPreferences: secureWebPreferences(options.partition, options.preloadPath),
    });
    options.guard.attach(this.window.webContents);
    if (maximized) this.window.maximize();
    this.window.on('ready-to-show', () => this.window.show());
    this.window.on('close', () => options.state.save(this.window.getNormalBounds(), this.window.isMaximized()));
  }

  /** Brings the window forward (a second launch, a deep link). */
  focus(): void {
    if (this.window.isDestroyed()) return;
    if (this.window.isMinimized()) this.window.restore();
    this.window.show();
    this.window.focus();
  }
}
