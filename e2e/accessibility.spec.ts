import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { launchChromium } from './support.js';
import { sampleConversation, storedTranscript, writeTranscriptEntries } from './transcripts.js';

let browser: Browser;

test.beforeAll(async () => {
  browser = await launchChromium();
});

test.afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const LOOKS = [
  { name: 'light', colorScheme: 'light', highContrast: false },
  { name: 'dark', colorScheme: 'dark', highContrast: false },
  { name: 'high contrast, light', colorScheme: 'light', highContrast: true },
  { name: 'high contrast, dark', colorScheme: 'dark', highContrast: true },
] as const;

test('lobby and history pass axe-core in light, dark and high contrast, at phone and desktop widths', async ({ stack }) => {
  const room = `a11y-${Date.now().toString(36)}`;
  const seed = await browser.newPage();
  await seed.goto(stack.url);
  await writeTranscriptEntries(stack.redisUrl, sampleConversation(room));
  await expect.poll(async () => (await storedTranscript(seed, room)).length).toBe(3);
  await seed.close();

  for (const look of LOOKS) {
    for (const viewport of [{ width: 360, height: 740 }, { width: 1280, height: 800 }]) {
      await test.step(`${look.name}, ${viewport.width} px`, async () => {
        const context = await browser.newContext({ colorScheme: look.colorScheme, viewport });
        const page = await context.newPage();
        await page.addInitScript((high) => localStorage.setItem('parley.display', JSON.stringify({ highContrast: high })), look.highContrast);
        await page.goto(stack.url);
        await expect(page.getByTestId('pair-engine')).toBeVisible();
        await expect(page.locator('html')).toHaveAttribute('data-contrast', look.highContrast ? 'high' : 'normal');
        // Nothing wider than the screen: the page reflows down to 360 px.
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        expect(await seriousViolations(page), `lobby, ${look.name}`).toEqual([]);
        await page.goto(`${stack.url}/history/${room}`);
        await expect(page.getByTestId('transcript-line')).toHaveCount(3);
        await page.getByTestId('transcript-search').fill('budget');
        await expect(page.getByTestId('search-count')).toHaveText('1 of 3 phrases match “budget”.');
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        expect(await seriousViolations(page), `history, ${look.name}`).toEqual([]);
        await context.close();
      });
    }
  }
});

test('the lobby works from the keyboard alone, in a sensible order, and the settings dialog traps and returns focus', async ({ stack }) => {
  const page = await browser.newPage();
  await page.goto(stack.url);
  await expect(page.getByTestId('pair-engine')).toBeVisible();
  const order: string[] = [];
  // From the top of the page (the name field takes focus by itself on a first visit): a click on
  // the empty corner moves where the next Tab starts.
  await page.mouse.click(2, 2);
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el?.dataset.testid ?? el?.id ?? el?.tagName ?? '';
    }));
  }
  // Top to bottom as it reads: the page's own buttons, then the form in order, then the join buttons.
  const expected = ['open-history', 'open-settings', 'name', 'room', 'new-room', 'speaks', 'reads'];
  expect(order.filter((id) => expected.includes(id))).toEqual(expected);
  expect(order.indexOf('mic-device')).toBeGreaterThan(order.indexOf('reads'));

  await page.getByTestId('open-settings').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('settings-dialog');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
  await dialog.getByRole('radio', { name: 'Extra large' }).focus();
  await page.keyboard.press('Space');
  await expect(page.locator('html')).toHaveAttribute('data-caption-size', 'xl');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid)).toBe('open-settings');
  // Remembered on the device.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-caption-size', 'xl');
  await page.close();
});
