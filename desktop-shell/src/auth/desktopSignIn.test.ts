import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { SfuServer } from '../../../sfu/src/SfuServer.js';
import { loadSfuConfig } from '../../../sfu/src/config.js';
import { freePort, portOpen } from '../../../scripts/lib/freePort.js';
import { OidcTestProvider } from '../../../scripts/lib/test-support/OidcTestProvider.js';
import { CHANNELS, type SignInResult } from '../bridge.js';
import { loadShellConfig } from '../config.js';
import { DesktopShell, SESSION_PARTITION } from '../DesktopShell.js';
import type { ShellLog } from '../ShellLog.js';
import { FakeBrowserWindow, FakeInstanceLock, FakeSafeStorage, FakeSession, fakeElectron, type FakeElectron } from '../testing/FakeElectron.js';
import { Attacker, ChromiumSystemBrowser, type BrowserVisit } from '../testing/SystemBrowser.js';
import { DesktopTokenClient } from './DesktopTokenClient.js';
import { LoopbackRedirect } from './LoopbackRedirect.js';
import { newPkcePair } from './Pkce.js';
import { SignInError } from './SignInError.js';
import { authorizeUrl } from './SystemBrowserSignIn.js';
import { storedSignInSchema } from './TokenVault.js';

const FIRST_RUN_PAGE = fileURLToPath(new URL('../../static/first-run.html', import.meta.url));
const FIRST_RUN_URL = pathToFileURL(FIRST_RUN_PAGE).href;
const quiet: ShellLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Running {
  shell: DesktopShell;
  fake: FakeElectron;
  window: FakeBrowserWindow;
  session: FakeSession;
  /** False when another instance held the lock (this one handed over its arguments and quit). */
  started: boolean;
}

/**
 * The desktop app's sign-in from end to end: a real Parley server (AUTH=oidc) signing in through a
 * real OpenID provider process, headless Chromium as the system browser, the app's real loopback
 * listener, PKCE and token exchange. Only Electron's modules are fakes.
 */
describe('desktop sign-in end to end: real Parley server, real OpenID provider, Chromium as the system browser (Electron’s APIs injected: the Electron binary cannot run here)', () => {
  const provider = new OidcTestProvider();
  let server: SfuServer;
  let url: string;
  let dir: string;
  let browser: ChromiumSystemBrowser;
  /** What the system browser does when the app opens a URL; each test sets it. */
  let systemBrowser: (openedUrl: string) => void = () => undefined;
  const lock = new FakeInstanceLock();
  const safeStorage = new FakeSafeStorage();
  let userData: string;
  let first: Running;
  let firstVisit: BrowserVisit;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-desktop-'));
    userData = join(dir, 'userData');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await provider.start([url]);
    const config = loadSfuConfig({
      ...provider.parleyEnv(),
      REDIS_URL: `${inject('redisUrl')}/44`,
      RTC_LISTEN_IP: '127.0.0.1',
      MEDIASOUP_WORKERS: '1',
      DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
      LOG_LEVEL: 'silent',
    });
    server = new SfuServer(config, pino({ level: 'silent' }));
    await server.listen(port, '127.0.0.1');
    browser = await ChromiumSystemBrowser.launch(provider.issuer);
    FakeBrowserWindow.reset(true);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startShell(options: { env?: NodeJS.ProcessEnv; argv?: string[]; data?: string } = {}): Promise<Running> {
    const fake = fakeElectron({ userData: options.data ?? userData, lock, argv: options.argv, safeStorage, openExternal: (u) => systemBrowser(u) });
    const shell = new DesktopShell({
      modules: fake,
      config: loadShellConfig(options.env ?? {}),
      paths: { preload: '/app/dist/preload.cjs', firstRunPage: FIRST_RUN_PAGE },
      argv: options.argv ?? ['Parley.exe'],
      log: quiet,
    });
    const started = await shell.start();
    const window = FakeBrowserWindow.created.at(-1)!;
    return { shell, fake, window, session: FakeBrowserWindow.sessions.get(SESSION_PARTITION)!, started };
  }

  /** What the web app's GET /api/me says through the window's own cookies. */
  async function windowUser(session: FakeSession): Promise<{ id: string; email: string } | null> {
    const me = (await (await session.pageFetch(`${url}/api/me`)).json()) as { user: { id: string; email: string } | null };
    return me.user;
  }

  function storedRefreshToken(): string {
    return storedSignInSchema.parse(JSON.parse(safeStorage.decryptString(readFileSync(join(userData, 'sign-in.bin'))))).refreshToken;
  }

  async function tokenStatus(body: object): Promise<number> {
    const response = await fetch(`${url}/api/desktop/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return response.status;
  }

  it('first run: the address is checked against the real server’s /healthz, kept, and the window opens it', async () => {
    first = await startShell();
    expect(first.started).toBe(true);
    expect(first.window.webContents.url).toBe(FIRST_RUN_URL);
    const notParley = `http://127.0.0.1:${await freePort()}`;
    expect(await first.fake.ipcMain.invoke(CHANNELS.checkServer, FIRST_RUN_URL, [notParley])).toMatchObject({ ok: false, error: expect.stringMatching(/Could not reach/) });
    expect(await first.fake.ipcMain.invoke(CHANNELS.checkServer, FIRST_RUN_URL, [`${url}/r/anything`])).toEqual({ ok: true, origin: url });
    expect(await first.fake.ipcMain.invoke(CHANNELS.useServer, FIRST_RUN_URL, [url])).toEqual({ ok: true, origin: url });
    expect(first.shell.serverOrigin).toBe(url);
    expect(first.window.webContents.url).toBe(`${url}/`);
    expect(JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8'))).toEqual({ serverOrigin: url });
    expect(await windowUser(first.session)).toBeNull();
  });

  it('signs in through the system browser: Parley’s sign-in at the OpenID provider, a redirect to the loopback listener, the code redeemed with the PKCE verifier', async () => {
    let visit: Promise<BrowserVisit> | undefined;
    systemBrowser = (opened) => void (visit = browser.visit(opened, 'alice'));
    // The web app's own "Sign in" button navigates to /auth/signin/google: stopped, and done in the browser instead.
    expect(first.window.webContents.navigate(`${url}/auth/signin/google`)).toBe(false);
    await vi.waitFor(() => expect(first.fake.opened).toHaveLength(1));
    const opened = new URL(first.fake.opened[0]!);
    expect(`${opened.origin}${opened.pathname}`).toBe(`${url}/auth/desktop/authorize`);
    const redirectUri = new URL(opened.searchParams.get('redirect_uri')!);
    expect(redirectUri.hostname).toBe('127.0.0.1');
    expect(redirectUri.pathname).toBe('/callback');
    expect(opened.searchParams.get('code_challenge_method')).toBe('S256');
    expect(opened.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(opened.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    firstVisit = await visit!;
    const callback = new URL(firstVisit.finalUrl);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri.toString());
    expect(callback.searchParams.get('state')).toBe(opened.searchParams.get('state'));
    expect(firstVisit.text).toContain('Signed in to Parley');

    await vi.waitFor(() => expect(first.window.webContents.reloads).toBe(1), { timeout: 10_000 });
    expect(first.fake.errors).toEqual([]);
    // The window's own session now carries the web app's session cookie.
    expect(await windowUser(first.session)).toMatchObject({ email: 'alice@example.test' });
    expect((await first.session.cookies.get({ url })).map((c) => c.name)).toContain('authjs.session-token');
    // Kept encrypted; no token in clear on disk; the loopback listener is gone.
    const file = readFileSync(join(userData, 'sign-in.bin'));
    expect(file.includes(Buffer.from(storedRefreshToken()))).toBe(false);
    expect(await portOpen(Number(redirectUri.port))).toBe(false);
  });

  it('refuses a callback whose state does not match (a forged redirect), and redeems nothing', async () => {
    const mallory = await Attacker.signIn(url, 'mallory');
    let malloryCode = '';
    systemBrowser = (opened) => {
      const redirectUri = new URL(opened).searchParams.get('redirect_uri')!;
      void (async () => {
        malloryCode = await mallory.codeFor(redirectUri);
        await fetch(`${redirectUri}?code=${malloryCode}&state=not-the-app-state`);
      })();
    };
    const result = (await first.fake.ipcMain.invoke(CHANNELS.signIn, `${url}/`)) as SignInResult;
    expect(result).toMatchObject({ ok: false, reason: 'state-mismatch', error: expect.stringMatching(/did not belong to the sign-in Parley started/) });
    // The app never tried the code: it still works once, for its owner.
    const redirect = new URL(first.fake.opened.at(-1)!).searchParams.get('redirect_uri')!;
    expect(await tokenStatus({ grant_type: 'authorization_code', code: malloryCode, code_verifier: mallory.pkce.verifier, redirect_uri: redirect })).toBe(200);
    expect(await windowUser(first.session)).toMatchObject({ email: 'alice@example.test' });
  });

  it('refuses a code issued for another PKCE challenge (code injection with the right state): the server rejects the app’s verifier', async () => {
    const mallory = await Attacker.signIn(url, 'mallory');
    systemBrowser = (opened) => {
      const params = new URL(opened).searchParams;
      const redirectUri = params.get('redirect_uri')!;
      void mallory.codeFor(redirectUri).then((code) => fetch(`${redirectUri}?code=${code}&state=${params.get('state')}`));
    };
    const refreshBefore = storedRefreshToken();
    const result = (await first.fake.ipcMain.invoke(CHANNELS.signIn, `${url}/r/standup`)) as SignInResult;
    expect(result).toMatchObject({ ok: false, reason: 'rejected', error: 'The server refused the sign-in: code_verifier does not match the code challenge.' });
    // Alice's sign-in is untouched; Mallory's account never reached the window.
    expect(storedRefreshToken()).toBe(refreshBefore);
    expect(await windowUser(first.session)).toMatchObject({ email: 'alice@example.test' });
  });

  it('refuses a replayed one-time code', async () => {
    // The code of the first sign-in, delivered again with a new attempt's state.
    const usedCode = new URL(firstVisit.finalUrl).searchParams.get('code')!;
    systemBrowser = (opened) => {
      const params = new URL(opened).searchParams;
      void fetch(`${params.get('redirect_uri')}?code=${usedCode}&state=${params.get('state')}`);
    };
    const result = (await first.fake.ipcMain.invoke(CHANNELS.signIn, `${url}/`)) as SignInResult;
    expect(result).toMatchObject({ ok: false, reason: 'rejected', error: expect.stringMatching(/unknown, used already or expired/) });

    // And the app's own parts directly: a fresh code from the browser redeems once, then never again.
    const pkce = newPkcePair();
    const loopback = await LoopbackRedirect.open(pkce.state);
    const code = loopback.waitForCode(20_000);
    const visit = await browser.visit(authorizeUrl(url, loopback.redirectUri, pkce), 'alice');
    expect(visit.text).toContain('Signed in to Parley');
    const tokens = new DesktopTokenClient(url);
    const redeemed = await tokens.redeemCode(await code, pkce.verifier, loopback.redirectUri);
    expect(redeemed.user.email).toBe('alice@example.test');
    const replay = await tokens.redeemCode(await code, pkce.verifier, loopback.redirectUri).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(SignInError);
    expect((replay as SignInError).message).toMatch(/used already or expired/);
    loopback.close();
    await tokens.revoke(redeemed.refresh_token);
  });

  it('gives up when the browser never comes back, says so, and closes the listener', async () => {
    systemBrowser = () => undefined;
    // An instance of its own (the lock is handed back afterwards), waiting 1 second instead of 5 minutes.
    lock.holder = undefined;
    const alone = await startShell({ env: { PARLEY_SIGN_IN_TIMEOUT_SECONDS: '1' }, data: join(dir, 'impatient') });
    try {
      await alone.fake.ipcMain.invoke(CHANNELS.useServer, FIRST_RUN_URL, [url]);
      const result = (await alone.fake.ipcMain.invoke(CHANNELS.signIn, `${url}/`)) as SignInResult;
      expect(result).toEqual({ ok: false, reason: 'timeout', error: 'The browser did not come back from sign-in within 1 second; sign in again.' });
      const port = Number(new URL(new URL(alone.fake.opened.at(-1)!).searchParams.get('redirect_uri')!).port);
      expect(await portOpen(port)).toBe(false);
      expect(existsSync(join(dir, 'impatient', 'sign-in.bin'))).toBe(false);
      // The same failure, reached through the web app's own button, is shown in a dialog.
      await alone.shell.signInFromWindow();
      expect(alone.fake.errors).toEqual([{ title: 'Not signed in', content: 'The browser did not come back from sign-in within 1 second; sign in again.' }]);
    } finally {
      lock.holder = first.fake.app;
    }
  });

  it('routes a parley:// link from a second launch to the running instance’s window; a hostile one opens nothing', async () => {
    const before = first.window.webContents.history.length;
    const second = await startShell({ argv: ['Parley.exe', '--', 'parley://join/standup'], data: join(dir, 'second') });
    expect(second.started).toBe(false);
    expect(second.fake.app.quitCalls).toBe(1);
    await vi.waitFor(() => expect(first.window.webContents.url).toBe(`${url}/r/standup`));
    expect(first.window.focused).toBeGreaterThan(0);
    const hostile = await startShell({ argv: ['Parley.exe', 'parley://join/..%2F..%2Fauth%2Fsignout'], data: join(dir, 'third') });
    expect(hostile.started).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(first.window.webContents.history.slice(before)).toEqual([`${url}/r/standup`]);
  });

  it('grants the microphone to the configured server only', async () => {
    expect(await first.session.requestPermission('media', `${url}/r/standup`, ['audio'])).toBe(true);
    expect(await first.session.requestPermission('media', `${provider.issuer}/`, ['audio'])).toBe(false);
  });

  it('at the next start, renews the kept sign-in (the refresh token rotates) and signs the window in again', async () => {
    const oldRefresh = storedRefreshToken();
    first.window.close();
    lock.holder = undefined;
    // A fresh cookie store, and one whose fetches keep no cookies: the app stores the session cookie itself.
    FakeBrowserWindow.sessions.set(SESSION_PARTITION, new FakeSession(false));
    const restarted = await startShell();
    expect(restarted.window.options.x).toBeDefined(); // the window reopens where it was
    expect(restarted.window.webContents.url).toBe(`${url}/`);
    const newRefresh = storedRefreshToken();
    expect(newRefresh).not.toBe(oldRefresh);
    expect(await tokenStatus({ grant_type: 'refresh_token', refresh_token: oldRefresh })).toBe(400);
    expect(await windowUser(restarted.session)).toMatchObject({ email: 'alice@example.test' });
    first = restarted;
  });

  it('signs out from the web app’s own button: the server revokes the sign-in, the app forgets its tokens and cookies', async () => {
    const refresh = storedRefreshToken();
    const cookie = (await first.session.cookies.get({ url })).find((c) => c.name === 'authjs.session-token')!;
    // What the web app's signOut() does, from the page.
    const csrf = (await (await first.session.pageFetch(`${url}/auth/csrf`)).json()) as { csrfToken: string };
    const signedOut = await first.session.pageFetch(`${url}/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: url }).toString(),
      redirect: 'manual',
    });
    expect(signedOut.status).toBe(302);
    await vi.waitFor(() => expect(existsSync(join(userData, 'sign-in.bin'))).toBe(false));
    await vi.waitFor(async () => expect(await first.session.cookies.get({ url })).toEqual([]));
    expect(await tokenStatus({ grant_type: 'refresh_token', refresh_token: refresh })).toBe(400);
    const me = (await (await fetch(`${url}/api/me`, { headers: { cookie: `${cookie.name}=${cookie.value}` } })).json()) as { user: unknown };
    expect(me.user).toBeNull();
  });

  it('signs in again from a browser that still has its Parley session, then signs out through the bridge', async () => {
    let visit: Promise<BrowserVisit> | undefined;
    systemBrowser = (opened) => void (visit = browser.visit(opened, 'alice'));
    const result = (await first.fake.ipcMain.invoke(CHANNELS.signIn, `${url}/`)) as SignInResult;
    expect(result).toMatchObject({ ok: true, user: { email: 'alice@example.test' } });
    // Straight back to the app: no login or consent page this time.
    expect((await visit!).text).toContain('Signed in to Parley');
    const refresh = storedRefreshToken();
    expect(await first.fake.ipcMain.invoke(CHANNELS.signOut, `${url}/`)).toEqual({ revoked: true });
    expect(existsSync(join(userData, 'sign-in.bin'))).toBe(false);
    expect(await tokenStatus({ grant_type: 'refresh_token', refresh_token: refresh })).toBe(400);
    expect(await windowUser(first.session)).toBeNull();
  });
});
