// `npm run screenshots`: the lobby, a room with live captions, and History, each at a phone
// (390×844) and a desktop (1440×900) size, written to docs/screenshots/. Runs the whole stack
// (offline engines) with two speakers whose Chromium microphones play recorded speech.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { LIBRIVOX_DIR, clipWithSilence, joinRoom, launchChromium } from '../e2e/support.js';
import { ParleyStack } from './lib/ParleyStack.js';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const ROOM = 'design-review';
const VIEWPORTS = [
  { name: '390x844', width: 390, height: 844 },
  { name: '1440x900', width: 1440, height: 900 },
] as const;

async function finals(page: Page): Promise<number> {
  return page.locator('[data-testid="caption"][data-kind="final"]').filter({ hasText: /\S/ }).count();
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

mkdirSync(OUT, { recursive: true });
// A database of its own, so History shows this run's conversation and nothing kept from earlier ones.
const dataDir = mkdtempSync(join(tmpdir(), 'parley-screenshots-'));
const stack = await new ParleyStack({
  offlineEngines: true,
  logDir: 'test-results/screenshots-logs',
  env: { DATABASE_URL: `sqlite:${join(dataDir, 'parley.db')}` },
}).start();
const browsers: Browser[] = [];
try {
  const readers = await launchChromium();
  const alice = await launchChromium(clipWithSilence(`${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0920.wav`, 2, 3));
  const dev = await launchChromium(clipWithSilence(`${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0870.wav`, 6, 2));
  browsers.push(readers, alice, dev);

  const pages = new Map<string, Page>();
  for (const [i, viewport] of VIEWPORTS.entries()) {
    const context = await readers.newContext({ viewport, deviceScaleFactor: 1, colorScheme: i === 0 ? 'dark' : 'light' });
    const page = await context.newPage();
    await page.goto(stack.url);
    await page.getByTestId('name').fill(i === 0 ? 'Beatriz' : 'Chen');
    await page.getByTestId('room').fill(ROOM);
    await page.getByTestId('speaks').selectOption('es');
    await page.getByTestId('reads').selectOption('es');
    await page.getByTestId('engine-summary').waitFor();
    await page.screenshot({ path: `${OUT}lobby-${viewport.name}.png` });
    await page.getByTestId('join-listen').click();
    await page.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
    pages.set(viewport.name, page);
  }

  await joinRoom(await alice.newPage(), stack.url, { name: 'Alice', room: ROOM, speaks: 'en', reads: 'en', withMic: true });
  await joinRoom(await dev.newPage(), stack.url, { name: 'Dev', room: ROOM, speaks: 'en', reads: 'en', withMic: true });

  for (const [name, page] of pages) {
    await until(async () => (await finals(page)) >= 4, `four final captions on the ${name} page`);
    // One caption with its original shown, as someone checking a translation would.
    await page.locator('[data-testid="caption"][data-kind="final"]').last().getByTestId('caption-original-toggle').click();
    await page.screenshot({ path: `${OUT}room-${name}.png` });
  }

  for (const [name, page] of pages) {
    await page.getByTestId('leave').click();
    await page.getByTestId('open-history').click();
    await page.getByTestId('history-room').filter({ hasText: ROOM }).click();
    await page.getByTestId('transcript-line').first().waitFor();
    await page.getByTestId('transcript-lang-es').click();
    // Search for a word the transcript has, as someone looking something up would.
    const words = ((await page.getByTestId('transcript-text').first().textContent()) ?? '').split(/\s+/);
    await page.getByTestId('transcript-search').fill(words.sort((a, b) => b.length - a.length)[0] ?? '');
    await page.screenshot({ path: `${OUT}history-${name}.png` });
  }
  console.log(`screenshots written to ${OUT}`);
} finally {
  for (const browser of browsers) await browser.close();
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
