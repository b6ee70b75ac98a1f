import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDesktopShell } from '../../scripts/build.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The first-run page as built, in real Chromium from a file: URL as the app loads it, with its
 * Content-Security-Policy. The bridge the preload would provide is replaced by one the test answers.
 */
describe('first-run page (Chromium; the preload bridge stood in for: the Electron binary cannot run here)', () => {
  let out: string;
  let browser: Browser;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'parley-first-run-'));
    await buildDesktopShell(out);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(out, { recursive: true, force: true });
  });

  async function open(query = ''): Promise<{ page: Page; calls: string[]; cspViolations: string[] }> {
    const page = await browser.newPage();
    const calls: string[] = [];
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.exposeFunction('__bridgeCall', async (name: string, address: string) => {
      calls.push(`${name} ${address}`.trim());
      if (name === 'firstRunInfo') return { suggestedServer: 'https://preset.example.org', version: '0.1.0' };
      if (address.includes('parley.example.org')) return { ok: true, origin: 'https://parley.example.org' };
      return { ok: false, error: `Could not reach ${address}; check the address and your connection.` };
    });
    await page.addInitScript(() => {
      const call = (window as unknown as { __bridgeCall: (n: string, a?: string) => Promise<unknown> }).__bridgeCall;
      (window as unknown as { parleyDesktop: unknown }).parleyDesktop = {
        isDesktop: true,
        firstRunInfo: () => call('firstRunInfo', ''),
        checkServer: (a: string) => call('checkServer', a),
        useServer: (a: string) => call('useServer', a),
        signIn: () => call('signIn', ''),
        signOut: () => call('signOut', ''),
      };
    });
    await page.goto(`${pathToFileURL(join(out, 'static/first-run.html')).href}${query}`);
    return { page, calls, cspViolations };
  }

  it('loads its script and styles under its own CSP, and pre-fills the suggested server', async () => {
    const { page, cspViolations } = await open();
    await expect.poll(() => page.locator('#server-address').inputValue()).toBe('https://preset.example.org');
    expect(await page.locator('#version').textContent()).toBe('0.1.0');
    expect(await page.locator('button.primary').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(47, 91, 234)');
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it('checks an address and shows the answer; connects on Enter', async () => {
    const { page, calls } = await open();
    await page.locator('#server-address').fill('nowhere.example');
    await page.locator('#check').click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Could not reach nowhere.example; check the address and your connection.');
    expect(await page.locator('#status').getAttribute('data-kind')).toBe('error');
    await page.locator('#server-address').fill('parley.example.org');
    await page.locator('#check').click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Parley is running at https://parley.example.org.');
    await page.locator('#server-address').press('Enter');
    await expect.poll(() => calls.at(-1)).toBe('useServer parley.example.org');
    expect(calls).toEqual(['firstRunInfo', 'checkServer nowhere.example', 'checkServer parley.example.org', 'useServer parley.example.org']);
    await page.close();
  });

  it('shows why the app came back to it, as text', async () => {
    const { page } = await open(`?error=${encodeURIComponent('Could not open <b>https://x</b>.')}`);
    expect(await page.locator('#status').textContent()).toBe('Could not open <b>https://x</b>.');
    expect(await page.locator('#status b').count()).toBe(0);
    await page.close();
  });
});
