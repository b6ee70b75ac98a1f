import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NavigationGuard } from './NavigationGuard.js';
import { NavigationPolicy, appPageKey } from './NavigationPolicy.js';
import { FakeSession, FakeWebContents } from './testing/FakeElectron.js';

const SERVER = 'https://parley.example.org';
const FIRST_RUN = pathToFileURL('/opt/Parley/resources/app.asar/dist/static/first-run.html').href;

describe('navigation allowlist', () => {
  const policy = new NavigationPolicy(() => SERVER, [FIRST_RUN]);

  it('keeps the configured server’s pages and the app’s first-run page in the window', () => {
    for (const url of [`${SERVER}/`, `${SERVER}/r/standup`, `${SERVER}/invite/abc?x=1#y`, `${SERVER}/auth/signout`, `${FIRST_RUN}?error=down`]) {
      expect(policy.decide(url), url).toEqual({ kind: 'allow' });
    }
  });

  it('turns the web app’s sign-in pages into a system-browser sign-in', () => {
    for (const url of [`${SERVER}/auth/signin`, `${SERVER}/auth/signin/google`, `${SERVER}/auth/callback/google?code=x`, `${SERVER}/auth/desktop/authorize?x=1`]) {
      expect(policy.decide(url), url).toEqual({ kind: 'sign-in' });
    }
  });

  it('sends other sites to the system browser, and refuses other schemes', () => {
    expect(policy.decide('https://accounts.google.com/o/oauth2/auth')).toEqual({ kind: 'external', url: 'https://accounts.google.com/o/oauth2/auth' });
    expect(policy.decide('http://parley.example.org/')).toEqual({ kind: 'external', url: 'http://parley.example.org/' });
    expect(policy.decide('https://parley.example.org:8443/')).toEqual({ kind: 'external', url: 'https://parley.example.org:8443/' });
    expect(policy.decide('https://parley.example.org.evil.example/')).toMatchObject({ kind: 'external' });
    expect(policy.decide('mailto:someone@example.org')).toMatchObject({ kind: 'external' });
    for (const url of [
      'file:///C:/Windows/System32/calc.exe',
      pathToFileURL('/opt/Parley/resources/app.asar/dist/static/other.html').href,
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'ms-msdt:/id PCWDiagnostic',
      'smb://evil.example/share',
      `https://user:pass@${SERVER.slice(8)}/`,
      'not a url',
    ]) {
      expect(policy.decide(url), url).toEqual({ kind: 'deny' });
    }
  });

  it('knows the app’s own page however its file: URL is spelt, and nothing else', () => {
    const windows = new NavigationPolicy(() => SERVER, ['file:///C:/Users/Ana%20Mar%C3%ADa/AppData/Local/Programs/Parley/resources/app.asar/dist/static/first-run.html']);
    expect(appPageKey('file:///c:/users/ana mar\u00eda/appdata/local/programs/parley/resources/app.asar/dist/static/first-run.html?error=x', true)).toBe(
      appPageKey('file:///C:/Users/Ana%20Mar%C3%ADa/AppData/Local/Programs/Parley/resources/app.asar/dist/static/first-run.html', true),
    );
    expect(windows.isAppPage('file:///C:/Users/Ana%20Mar%C3%ADa/AppData/Local/Programs/Parley/resources/app.asar/dist/static/first-run.html#top')).toBe(true);
    expect(windows.isAppPage('file:///C:/Users/Ana%20Mar%C3%ADa/AppData/Local/Programs/Parley/resources/app.asar/dist/static/other.html')).toBe(false);
    expect(windows.isAppPage('file://evil.example/C:/Users/Ana%20Mar%C3%ADa/AppData/Local/Programs/Parley/resources/app.asar/dist/static/first-run.html')).toBe(false);
    expect(windows.isAppPage('file:///C:/x/%E0%A4%A.html')).toBe(false);
    expect(windows.isAppPage(`${SERVER}/first-run.html`)).toBe(false);
  });

  it('routes parley:// links clicked in the window, and refuses hostile ones', () => {
    expect(policy.decide('parley://join/standup')).toEqual({ kind: 'deep-link', link: { kind: 'join', room: 'standup' } });
    expect(policy.decide('parley://join/../x')).toEqual({ kind: 'deny' });
  });

  it('allows no server page before a server is chosen', () => {
    const fresh = new NavigationPolicy(() => undefined, [FIRST_RUN]);
    expect(fresh.decide(`${SERVER}/`)).toMatchObject({ kind: 'external' });
    expect(fresh.decide(FIRST_RUN)).toEqual({ kind: 'allow' });
  });
});

describe('navigation guard on a page (Electron’s APIs injected: the Electron binary cannot run here)', () => {
  function guarded() {
    const actions = { signIns: 0, links: [] as string[], external: [] as string[] };
    const guard = new NavigationGuard(new NavigationPolicy(() => SERVER, [FIRST_RUN]), {
      signIn: () => void actions.signIns++,
      openLink: (link) => void actions.links.push(link.room),
      openExternal: (url) => void actions.external.push(url),
    });
    const contents = new FakeWebContents(new FakeSession(), false);
    guard.attach(contents);
    guard.attach(contents); // attaching twice must not double the handlers
    return { contents, actions };
  }

  it('lets server pages load, stops everything else and hands it to the right place', () => {
    const { contents, actions } = guarded();
    expect(contents.navigate(`${SERVER}/r/standup`)).toBe(true);
    expect(contents.navigate(`${SERVER}/auth/signin/google`)).toBe(false);
    expect(contents.navigate('https://evil.example/phish')).toBe(false);
    expect(contents.navigate('parley://join/weekly')).toBe(false);
    expect(contents.navigate('file:///etc/passwd')).toBe(false);
    expect(actions).toEqual({ signIns: 1, links: ['weekly'], external: ['https://evil.example/phish'] });
    expect(contents.url).toBe(`${SERVER}/r/standup`);
  });

  it('checks server redirects too', () => {
    const { contents, actions } = guarded();
    expect(contents.navigate('https://evil.example/', 'will-redirect')).toBe(false);
    expect(contents.navigate(`${SERVER}/r/x`, 'will-redirect')).toBe(true);
    expect(actions.external).toEqual(['https://evil.example/']);
  });

  it('keeps frames inside a page on the server, without opening anything for them', () => {
    const { contents, actions } = guarded();
    expect(contents.navigate('https://ads.example/frame', 'will-frame-navigate', false)).toBe(false);
    expect(contents.navigate(`${SERVER}/auth/signin`, 'will-frame-navigate', false)).toBe(false);
    expect(contents.navigate(`${SERVER}/embed`, 'will-frame-navigate', false)).toBe(true);
    expect(actions).toEqual({ signIns: 0, links: [], external: [] });
  });

  it('opens no window inside the app: links asking for one go to the system browser', () => {
    const { contents, actions } = guarded();
    expect(contents.openWindow('https://example.org/help')).toEqual({ action: 'deny' });
    expect(contents.openWindow(`${SERVER}/r/other`)).toEqual({ action: 'deny' });
    expect(contents.openWindow(FIRST_RUN)).toEqual({ action: 'deny' });
    expect(contents.openWindow('file:///C:/Windows/System32/calc.exe')).toEqual({ action: 'deny' });
    expect(actions.external).toEqual(['https://example.org/help', `${SERVER}/r/other`]);
  });

  it('refuses <webview> tags', () => {
    const { contents } = guarded();
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    contents.emit('will-attach-webview', event);
    expect(event.defaultPrevented).toBe(true);
  });
});
