import { chromium, type Browser } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { CHROMIUM_PATH, joinRoom, launchChromium } from './support.js';

let deniedBrowser: Browser;
let speakerBrowser: Browser;

test.beforeAll(async () => {
  // No "--use-fake-ui-for-media-stream": nobody answers the permission prompt, so the microphone is refused.
  deniedBrowser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection'],
  });
  speakerBrowser = await launchChromium();
});

test.afterAll(async () => {
  await deniedBrowser?.close();
  await speakerBrowser?.close();
});

test('failures people meet say what happened and what to do: microphone refused, captions unavailable for a language pair', async ({ stack }) => {
  const room = `fail-${Date.now().toString(36)}`;
  const page = await deniedBrowser.newPage();

  await test.step('the microphone check says access is blocked and how to allow it', async () => {
    await page.goto(stack.url);
    await page.getByTestId('mic-test').click();
    await expect(page.getByTestId('mic-error')).toHaveText(/^Microphone access is blocked\. Allow the microphone for this site/);
  });

  await test.step('joining with the refused microphone still joins, to listen, and says why', async () => {
    await page.getByTestId('name').fill('Flo');
    await page.getByTestId('room').fill(room);
    await page.getByTestId('speaks').selectOption('de');
    await page.getByTestId('reads').selectOption('de');
    await expect(page.getByTestId('speech-engine')).toHaveText('This server cannot recognise Deutsch speech: others will hear you, but get no captions of you.');
    await expect(page.getByTestId('pair-engine')).toHaveText('This server cannot caption anything in Deutsch yet: choose another language to read.');
    await page.getByTestId('join-mic').click();
    await page.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('mic-problem')).toHaveText(/^Microphone access was blocked, so you are listening only\./);
  });

  await test.step('a speaker whose language cannot be captioned into mine is named in a banner, until I pick a language that works', async () => {
    const speaker = await speakerBrowser.newPage();
    await joinRoom(speaker, stack.url, { name: 'Ed', room, speaks: 'en', reads: 'en', withMic: true });
    const banner = page.getByTestId('pair-unavailable');
    await expect(banner).toContainText('No captions in Deutsch for Ed (who speaks English)');
    await page.getByTestId('room-reads').selectOption('es');
    await expect(banner).toHaveCount(0);
    await speaker.close();
  });
});

test('the lobby works without the room’s script; when that script cannot be fetched, joining says so and Reload recovers', async ({ stack }) => {
  const room = `load-${Date.now().toString(36)}`;
  // No service worker: it would answer from its own cache, past the route below.
  const context = await speakerBrowser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const roomScript = /\/assets\/Room-[\w-]+\.js$/;
  const refused: string[] = [];
  await page.route(roomScript, (route) => {
    refused.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  try {
    await test.step('the lobby opens and fetches the room in the background (refused here)', async () => {
      await page.goto(stack.url);
      await page.getByTestId('name').fill('Lou');
      await page.getByTestId('room').fill(room);
      await expect.poll(() => refused.length).toBeGreaterThan(0);
    });

    await test.step('joining says the page could not be loaded, and offers a reload', async () => {
      await page.getByTestId('join-listen').click();
      await expect(page.getByTestId('page-load-error')).toContainText('This part of Parley could not be loaded');
    });

    await test.step('with the connection back, Reload brings the lobby with my choices, and joining works', async () => {
      await page.unroute(roomScript);
      await page.getByTestId('page-load-error').getByRole('button', { name: 'Reload' }).click();
      await expect(page.getByTestId('name')).toHaveValue('Lou');
      await expect(page.getByTestId('room')).toHaveValue(room);
      await page.getByTestId('join-listen').click();
      await page.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
    });
  } finally {
    await context.close();
  }
});
