// The Electron entry point: reads the configuration and hands Electron's real modules to the shell.
import { resolve } from 'node:path';
import { BrowserWindow, Menu, app, dialog, ipcMain, safeStorage, screen, session, shell } from 'electron';
import { loadShellConfig, ShellConfigError } from './config.js';
import { DesktopShell } from './DesktopShell.js';
import type { ElectronModules } from './electron/ElectronModules.js';
import { consoleLog } from './ShellLog.js';

const modules: ElectronModules = {
  app,
  BrowserWindow,
  shell,
  session,
  safeStorage,
  ipcMain,
  screen,
  Menu,
  dialog,
  loadAutoUpdater: async () => (await import('electron-updater')).autoUpdater,
};

function main(): void {
  let config;
  try {
    config = loadShellConfig();
  } catch (error) {
    if (!(error instanceof ShellConfigError)) throw error;
    app.whenReady().then(() => {
      dialog.showErrorBox('Parley cannot start', error.message);
      app.quit();
    }, () => app.quit());
    return;
  }
  // Bundled next to this file by scripts/build.ts.
  const here = __dirname;
  const desktopShell = new DesktopShell({
    modules,
    config,
    paths: { preload: resolve(here, 'preload.cjs'), firstRunPage: resolve(here, 'static', 'first-run.html'), icon: resolve(here, 'static', 'icon.png') },
    argv: process.argv,
    // A development copy is started as `electron <app dir>`: parley:// links must name the app too.
    protocolClient: app.isPackaged || !process.argv[1] ? undefined : { path: process.execPath, args: [resolve(process.argv[1])] },
    log: consoleLog,
  });
  desktopShell.start().catch((error: Error) => {
    consoleLog.error(`Parley could not start: ${error.stack ?? error.message}`);
    app.quit();
  });
}

main();
