import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { io } from 'socket.io-client';
import { ParleyStack } from '../scripts/lib/ParleyStack.js';
import { freePort } from '../scripts/lib/freePort.js';
import { OidcTestProvider } from '../scripts/lib/test-support/OidcTestProvider.js';
import { LIBRIVOX_DIR, clipWithSilence, launchChromium } from './support.js';

const CLIP_ID = 'sense_and_sensibility_01_austen_64kb-0920';

let provider: OidcTestProvider;
let stack: ParleyStack;
let aliceBrowser: Browser;
let bobBrowser: Browser;

test.beforeAll(async () => {
  // Parley's address first: the provider registers its callback before Parley starts.
  const port = await freePort();
  provider = await new OidcTestProvider().start([`http://127.0.0.1:${port}`], 'test-results/e2e/accounts-oidc.log');
  stack = await new ParleyStack({
    port,
    offlineEngines: true,
    logDir: 'test-results/e2e/accounts-logs',
    env: { ...provider.parleyEnv(), DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'parley-e2e-db-')), 'parley.db')}` },
  }).start();
  aliceBrowser = await launchChromium(clipWithSilence(`${LIBRIVOX_DIR}/${CLIP_ID}.wav`, 3, 4));
  bobBrowser = await launchChromium();
});

test.afterAll(async () => {
  await aliceBrowser?.close();
  await bobBrowser?.close();
  await stack?.stop();
  await provider?.stop();
});

/** The OpenID provider's own login and consent pages, as a person fills them in. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.getByTestId('sign-in').click();
  await page.waitForURL((url) => url.origin === provider.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.origin === stack.url);
}

function socketTokenOf(page: Page): Promise<string | null> {
  return page.evaluate(async () => ((await (await fetch('/api/socket-token')).json()) as { token?: string }).token ?? null);
}

test('sign in, create a private room, invite a second user, both join, speech becomes captions, sign out and the socket is refused', async () => {
  const aliceContext = await aliceBrowser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const alice = await aliceContext.newPage();
  const bobContext = await bobBrowser.newContext();
  const bob = await bobContext.newPage();
  const room = `acct-${Date.now().toString(36)}`;

  await test.step('Alice signs in through the OpenID provider and sees who she is', async () => {
    await alice.goto(stack.url);
    await expect(alice.getByTestId('join-mic')).toHaveCount(0);
    await signInAtProvider(alice, 'alice');
    await expect(alice.getByTestId('whoami')).toContainText('Alice');
    await expect(alice.getByTestId('whoami')).toContainText('alice@example.test');
  });

  let inviteLink = '';
  await test.step('she creates a private room and copies its invite link', async () => {
    await alice.getByTestId('new-room-name').fill(room);
    await expect(alice.getByTestId('new-room-private')).toBeChecked();
    await alice.getByTestId('create-room').click();
    inviteLink = await alice.getByTestId('invite-link').inputValue();
    expect(inviteLink).toMatch(new RegExp(`^${stack.url}/invite/[A-Za-z0-9_-]{43}$`));
    await alice.getByTestId('copy-invite').click();
    expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(inviteLink);
    await expect(alice.getByTestId('room')).toHaveValue(room);
  });

  await test.step('Bob cannot join the private room without the invite', async () => {
    await bob.goto(stack.url);
    await signInAtProvider(bob, 'bob');
    await bob.getByTestId('room').fill(room);
    await bob.getByTestId('join-listen').click();
    await expect(bob.getByRole('alert')).toContainText('This room is private');
  });

  await test.step('Bob opens the invite link and joins, reading Spanish', async () => {
    await bob.goto(inviteLink);
    await expect(bob.getByTestId('invite-notice')).toContainText(room);
    await expect(bob.getByTestId('room')).toHaveValue(room);
    await bob.getByTestId('speaks').selectOption('es');
    await bob.getByTestId('reads').selectOption('es');
    await bob.getByTestId('join-listen').click();
    await bob.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
  });

  await test.step('Alice joins with her microphone, and her English becomes Spanish captions for Bob', async () => {
    await alice.getByTestId('speaks').selectOption('en');
    await alice.getByTestId('reads').selectOption('en');
    await alice.getByTestId('join-mic').click();
    await alice.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
    const finalCaption = bob.locator('[data-testid="caption"][data-kind="final"]').filter({ hasText: /\S/ }).first();
    await expect(finalCaption).toBeVisible({ timeout: 90_000 });
    await expect(finalCaption).toHaveAttribute('data-lang', 'es');
    await expect(finalCaption).toHaveAttribute('data-source-lang', 'en');
  });

  await test.step('Alice owns the room, so she has host controls: she locks it from the room page; Bob has none', async () => {
    await expect(bob.getByTestId('host-lock')).toHaveCount(0);
    const bobRow = alice.getByTestId('participant').filter({ hasText: 'Bob' });
    await expect(bobRow.getByTestId('host-remove')).toBeVisible();
    // Bob only listens: there is no microphone to mute.
    await expect(bobRow.getByTestId('host-mute')).toBeDisabled();
    await alice.getByTestId('host-lock').check();
    await expect(alice.getByTestId('host-lock')).toBeChecked();
    const rooms = await alice.evaluate(async () => ((await (await fetch('/api/rooms')).json()) as { rooms: { room: string; locked: boolean }[] }).rooms);
    expect(rooms.find((r) => r.room === room)?.locked).toBe(true);
  });

  await test.step('Bob signs out in another tab: his room socket is closed, and his token is refused afterwards', async () => {
    const token = await socketTokenOf(bob);
    expect(token).toBeTruthy();
    const otherTab = await bobContext.newPage();
    await otherTab.goto(stack.url);
    await otherTab.getByTestId('sign-out').click();
    await expect(otherTab.getByTestId('sign-in')).toBeVisible();
    await expect(bob.getByText('You signed out; sign in again to rejoin.')).toBeVisible();

    const refusal = await new Promise<string>((resolve) => {
      const socket = io(stack.url, { transports: ['websocket'], reconnection: false, extraHeaders: { origin: stack.url }, auth: { token } });
      socket.once('connect', () => {
        socket.disconnect();
        resolve('connected');
      });
      socket.once('connect_error', (error) => resolve(error.message));
    });
    expect(refusal).toBe('Your session has ended; sign in again.');
    expect(await socketTokenOf(otherTab)).toBeNull();
  });

  await test.step('the kept transcript has what Alice said, for members only', async () => {
    const read = (page: Page) =>
      page.evaluate(async (name) => {
        const response = await fetch(`/api/rooms/${name}/transcript?lang=es`);
        return { status: response.status, body: (await response.json()) as { segments?: { lang: string; srcLang: string; text: string }[] } };
      }, room);
    await expect.poll(async () => (await read(alice)).body.segments?.length ?? 0).toBeGreaterThan(0);
    expect((await read(alice)).body.segments![0]).toMatchObject({ lang: 'es', srcLang: 'en' });
    expect((await read(bob)).status).toBe(401);
  });
});
