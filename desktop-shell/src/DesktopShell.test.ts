import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNELS } from './bridge.js';
import { loadShellConfig } from './config.js';
import { DesktopShell, SESSION_PARTITION } from './DesktopShell.js';
import type { ShellLog } from './ShellLog.js';
import { FakeBrowserWindow, FakeInstanceLock, fakeElectron } from './testing/FakeElectron.js';

const SERVER = 'https://parley.example.org';
const FIRST_RUN_PAGE = '/opt/Parley/resources/app/dist/static/first-run.html';
const FIRST_RUN_URL = pathToFileURL(FIRST_RUN_PAGE).href;
const quiet: ShellLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

// The flows against a real server are in auth/desktopSignIn.test.ts; here the shell's own wiring.
describe('desktop shell wiring (Electron’s APIs injected: the Electron binary cannot run here)', () => {
  let userData: string;
  beforeEach(() => {
    userData = mkdtempSync(join(tmpdir(), 'parley-shell-'));
    FakeBrowserWindow.reset(false);
  });
  afterEach(() => rmSync(userData, { recursive: true, force: true }));

  async function start(options: { argv?: string[]; lock?: FakeInstanceLock; env?: NodeJS.ProcessEnv; server?: string } = {}) {
    if (options.server) writeFileSync(join(userData, 'settings.json'), JSON.stringify({ serverOrigin: options.server }));
    const fake = fakeElectron({ userData, lock: options.lock, argv: options.argv });
    const shell = new DesktopShell({ modules: fake, config: loadShellConfig(options.env ?? {}), paths: { preload: '/opt/Parley/preload.cjs', firstRunPage: FIRST_RUN_PAGE }, argv: options.argv ?? ['Parley.exe'], log: quiet });
    const started = await shell.start();
    return { shell, fake, started, window: FakeBrowserWindow.created.at(-1) };
  }

  it('opens one window, sandboxed and isolated, with the minimal preload, in its own persistent session', async () => {
    const { window } = await start();
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      preload: '/opt/Parley/preload.cjs',
      partition: SESSION_PARTITION,
    });
    expect(FakeBrowserWindow.created).toHaveLength(1);
  });

  it('shows the first-run page when no server is chosen, and keeps a link that came meanwhile for later', async () => {
    const { window, fake } = await start({ argv: ['Parley.exe', 'parley://join/standup'], env: { PARLEY_SERVER_URL: SERVER } });
    expect(window!.webContents.url).toBe(FIRST_RUN_URL);
    expect(await fake.ipcMain.invoke(CHANNELS.firstRunInfo, FIRST_RUN_URL)).toEqual({ suggestedServer: SERVER, version: '0.1.0' });
  });

  it('opens the saved server, or the room a launch link names', async () => {
    expect((await start({ server: SERVER })).window!.webContents.url).toBe(`${SERVER}/`);
    FakeBrowserWindow.reset(false);
    expect((await start({ server: SERVER, argv: ['Parley.exe', 'parley://join/weekly'] })).window!.webContents.url).toBe(`${SERVER}/r/weekly`);
  });

  it('runs once: a second launch hands its link to the first and quits', async () => {
    const lock = new FakeInstanceLock();
    const first = await start({ server: SERVER, lock });
    expect(first.started).toBe(true);
    first.window!.minimized = true;
    const second = await start({ lock, argv: ['Parley.exe', 'parley://join/standup'] });
    expect(second.started).toBe(false);
    expect(second.fake.app.quitCalls).toBe(1);
    expect(FakeBrowserWindow.created).toHaveLength(1);
    expect(first.window!.webContents.url).toBe(`${SERVER}/r/standup`);
    expect(first.window!.minimized).toBe(false);
    expect(first.window!.focused).toBe(1);
    // A second launch without a link only brings the window forward.
    await start({ lock });
    expect(first.window!.webContents.url).toBe(`${SERVER}/r/standup`);
    expect(first.window!.focused).toBe(2);
  });

  it('routes macOS open-url events the same way, and ignores hostile ones', async () => {
    const { fake, window } = await start({ server: SERVER });
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    fake.app.emit('open-url', event, 'parley://join/../../evil');
    fake.app.emit('open-url', event, 'parley://join/ok-room');
    await new Promise((r) => setImmediate(r));
    expect(window!.webContents.history).toEqual([`${SERVER}/`, `${SERVER}/r/ok-room`]);
    expect(event.defaultPrevented).toBe(true);
  });

  it('registers parley:// with the system', async () => {
    const { fake } = await start();
    expect(fake.app.protocolClients).toEqual([{ protocol: 'parley', path: undefined, args: undefined }]);
  });

  it('guards every web page Electron creates, not just the window', async () => {
    const { fake } = await start({ server: SERVER });
    const { FakeWebContents, FakeSession } = await import('./testing/FakeElectron.js');
    const other = new FakeWebContents(new FakeSession(), false);
    fake.app.emit('web-contents-created', {}, other);
    expect(other.navigate('https://evil.example/')).toBe(false);
    expect(other.openWindow(`${SERVER}/`)).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual(['https://evil.example/', `${SERVER}/`]);
  });

  it('remembers the window’s place when it closes, and reopens there', async () => {
    const { window } = await start({ server: SERVER });
    window!.bounds = { x: 300, y: 200, width: 1000, height: 720 };
    window!.maximized = true;
    window!.close();
    expect(JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'))).toEqual({ x: 300, y: 200, width: 1000, height: 720, maximized: true });
    FakeBrowserWindow.reset(false);
    const again = await start({ server: SERVER });
    expect(again.window!.options).toMatchObject({ x: 300, y: 200, width: 1000, height: 720 });
    expect(again.window!.maximized).toBe(true);
  });

  it('offers sign-in only to the server’s pages, and says to choose a server first', async () => {
    const { fake, shell } = await start();
    await expect(fake.ipcMain.invoke(CHANNELS.signIn, FIRST_RUN_URL)).rejects.toThrow(/not available/);
    expect(await shell.signIn()).toEqual({ ok: false, reason: 'no-server', error: 'Choose a Parley server first.' });
    expect(fake.opened).toEqual([]);
    await expect(fake.ipcMain.invoke(CHANNELS.useServer, 'https://evil.example/', [SERVER])).rejects.toThrow(/not available/);
  });

  it('puts server choice and sign-in in the menu', async () => {
    const { fake } = await start({ server: SERVER });
    const labels = (fake.menus[0]![0]!.submenu as Array<{ label?: string }>).map((i) => i.label).filter(Boolean);
    expect(labels).toEqual(['Change server…', 'Sign in', 'Sign out', 'Reload', 'Quit']);
  });
});
