// "The system browser" of the sign-in tests: headless Chromium going through Parley's real sign-in
// page and the real OpenID provider's login and consent pages, as a person would; and an attacker
// with a Parley account of their own, for the forged-callback cases.
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { signInOverHttp } from '../../../scripts/lib/test-support/HttpSignIn.js';
import { newPkcePair, type PkcePair } from '../auth/Pkce.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserVisit {
  /** Where the browser ended: the app's loopback callback. */
  finalUrl: string;
  /** What the page there said. */
  text: string;
}

export class ChromiumSystemBrowser {
  private constructor(
    private readonly browser: Browser,
    private readonly context: BrowserContext,
    private readonly providerOrigin: string,
  ) {}

  static async launch(providerIssuer: string): Promise<ChromiumSystemBrowser> {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    // One profile for every visit: once signed in at Parley, the browser goes straight back to the app.
    return new ChromiumSystemBrowser(browser, await browser.newContext(), new URL(providerIssuer).origin);
  }

  /** Opens `url` in a new tab, signs in as `login` wherever asked, and stops at the loopback callback. */
  async visit(url: string, login: string): Promise<BrowserVisit> {
    const page = await this.context.newPage();
    try {
      await page.goto(url);
      for (let step = 0; step < 10; step++) {
        const at = new URL(page.url());
        if (at.hostname === '127.0.0.1' && at.pathname === '/callback') return { finalUrl: page.url(), text: await page.locator('body').innerText() };
        await this.answer(page, at, login);
      }
      throw new Error(`sign-in did not reach the loopback callback; stopped at ${page.url()}`);
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** The page the browser is on wants something: Parley's sign-in button, the provider's login or consent. */
  private async answer(page: Page, at: URL, login: string): Promise<void> {
    const leave = page.waitForURL((next) => next.href !== at.href, { timeout: 20_000 });
    if (at.pathname === '/auth/signin') {
      await page.getByRole('button', { name: /Sign in with/ }).click();
    } else if (at.origin === this.providerOrigin && (await page.locator('input[name="login"]').count()) > 0) {
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
    } else if (at.origin === this.providerOrigin) {
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await leave;
  }
}

/** Someone with their own Parley account who obtains real one-time codes, for their own PKCE challenge. */
export class Attacker {
  readonly pkce: PkcePair = newPkcePair();

  private constructor(private readonly client: Awaited<ReturnType<typeof signInOverHttp>>) {}

  static async signIn(serverUrl: string, login: string): Promise<Attacker> {
    return new Attacker(await signInOverHttp(serverUrl, login));
  }

  /** A genuine code the server issues to the attacker's session, for `redirectUri` and the attacker's challenge. */
  async codeFor(redirectUri: string): Promise<string> {
    const query = new URLSearchParams({ redirect_uri: redirectUri, code_challenge: this.pkce.challenge, code_challenge_method: 'S256', state: 'attacker' });
    const response = await this.client.fetch(`/auth/desktop/authorize?${query}`);
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`no code for the attacker: ${response.status}`);
    return new URL(location).searchParams.get('code')!;
  }
}
