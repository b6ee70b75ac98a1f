import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { CHROMIUM_PATH } from './support.js';
import { sampleConversation, storedTranscript, writeTranscriptEntries } from './transcripts.js';

let profileDir: string;
let context: BrowserContext;

// Installability is only ever reported for a profile on disk: an incognito context is never installable.
test.beforeAll(async () => {
  profileDir = mkdtempSync(join(tmpdir(), 'parley-pwa-profile-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-component-update'],
  });
});

test.afterAll(async () => {
  await context?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

async function keptTranscriptOf(stack: { redisUrl: string }, page: Page, room: string, lines: number): Promise<void> {
  await writeTranscriptEntries(stack.redisUrl, sampleConversation(room));
  await expect.poll(async () => (await storedTranscript(page, room)).length).toBe(lines);
}

async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  // The first visit installs the worker; from the next load on, it serves the page.
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? null)).toBe('activated');
}

test('installable, with a service worker that serves the shell and saved transcripts offline, and never the API or sign-in', async ({ stack }) => {
  const page = context.pages()[0] ?? (await context.newPage());
  const room = `pwa-${Date.now().toString(36)}`;

  await test.step('the service worker registers and takes the page over', async () => {
    await page.goto(stack.url);
    await waitForServiceWorkerControl(page);
    const scriptUrl = await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
    expect(scriptUrl).toBe(`${stack.url}/sw.js`);
  });

  await test.step('Chromium reports no installability errors, and the manifest has the icons an install needs', async () => {
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await (await page.request.get(`${stack.url}/manifest.webmanifest`)).json()) as { display: string; icons: { sizes: string; purpose?: string }[] };
    expect(manifest.display).toBe('standalone');
    expect(manifest.icons.map((i) => `${i.sizes}${i.purpose ? ` ${i.purpose}` : ''}`)).toEqual(expect.arrayContaining(['192x192', '512x512', '512x512 maskable']));
    await cdp.detach();
  });

  await test.step('API and sign-in routes go to the server, not to the cached page', async () => {
    const api = await page.evaluate(async () => {
      const response = await fetch('/api/me');
      return { type: response.headers.get('content-type'), body: await response.text() };
    });
    expect(api.type).toMatch(/application\/json/);
    expect(JSON.parse(api.body)).toEqual({ auth: 'off' });
    // Navigations to the API and to sign-in are answered by the server, never by the cached app shell.
    const apiPage = await page.goto(`${stack.url}/api/me`);
    expect(apiPage!.fromServiceWorker()).toBe(false);
    expect(await page.textContent('body')).toContain('"auth":"off"');
    const signIn = await page.goto(`${stack.url}/auth/signin`);
    expect(signIn!.fromServiceWorker()).toBe(false);
  });

  await test.step('a transcript opened in History is saved on the device', async () => {
    await page.goto(stack.url);
    await keptTranscriptOf(stack, page, room, 3);
    await page.goto(`${stack.url}/history/${room}`);
    await expect(page.getByTestId('transcript-line')).toHaveCount(3);
    await expect
      .poll(() => page.evaluate((name) => new Promise<boolean>((resolve) => {
        const open = indexedDB.open('parley');
        open.onsuccess = () => {
          const get = open.result.transaction('transcripts').objectStore('transcripts').get(name);
          get.onsuccess = () => resolve(get.result !== undefined);
          get.onerror = () => resolve(false);
        };
        open.onerror = () => resolve(false);
      }), room))
      .toBe(true);
  });

  await test.step('offline, a reload opens the app from the service worker and shows the saved transcript', async () => {
    await context.setOffline(true);
    try {
      const response = await page.reload();
      expect(response!.fromServiceWorker()).toBe(true);
      await expect(page.getByTestId('offline-notice')).toBeVisible();
      await expect(page.getByTestId('transcript-line')).toHaveCount(3);
      await expect(page.getByTestId('transcript-text').first()).toHaveText('good morning everyone');
      await page.getByTestId('transcript-lang-es').click();
      await expect(page.getByTestId('transcript-text').first()).toHaveText('buenos días a todos');
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
      expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

      // The lobby opens too, and says the server cannot be reached.
      await page.getByTestId('history-back').click();
      await page.getByTestId('history-back').click();
      await expect(page.getByTestId('server-unreachable')).toBeVisible();
    } finally {
      await context.setOffline(false);
    }
  });
});

test('a newly deployed version is announced, and reloading takes it', async ({ stack, webDir }) => {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(stack.url);
  await waitForServiceWorkerControl(page);
  const before = await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
  const swPath = join(webDir, 'sw.js');
  const original = readFileSync(swPath, 'utf8');
  try {
    // A deploy: the service worker script changes (here only by a comment, which is enough for the browser).
    appendFileSync(swPath, `\n// deployed ${Date.now()}\n`);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await expect(page.getByTestId('update-prompt')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('update-prompt')).toContainText('A new version of Parley is ready.');
    const reloaded = page.waitForEvent('load');
    await page.getByTestId('update-reload').click();
    await reloaded;
    await expect(page.getByTestId('update-prompt')).toHaveCount(0);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? null)).toBe('activated');
    expect(await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL)).toBe(before);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
  } finally {
    writeFileSync(swPath, original);
  }
});
