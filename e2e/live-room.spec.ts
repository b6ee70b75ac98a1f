import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { LIBRIVOX_DIR, clipWithSilence, launchChromium, recordCaptionSightings } from './support.js';
import { parseSrt, parseVtt, storedTranscript } from './transcripts.js';

const CLIP = `${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0920.wav`;
const LEAD_S = 3;
const TAIL_S = 4;

let speakerBrowser: Browser;
let listenerBrowser: Browser;
let micWav: string;

test.beforeAll(async () => {
  micWav = clipWithSilence(CLIP, LEAD_S, TAIL_S);
  speakerBrowser = await launchChromium(micWav);
  listenerBrowser = await launchChromium();
});

test.afterAll(async () => {
  await speakerBrowser?.close();
  await listenerBrowser?.close();
});

/** Serious and critical findings of axe-core (WCAG 2.1 A and AA rules) on the page as it is now. */
async function seriousA11yViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const finalCaptions = (page: Page) => page.locator('[data-testid="caption"][data-kind="final"]').filter({ hasText: /\S/ });

async function captionIds(page: Page): Promise<string[]> {
  return page.getByTestId('caption').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.utteranceId ?? ''));
}

test('a room from creation to export: link, second person, interim then final captions, caption language changed, mute, SRT and WebVTT downloads', async ({ stack }) => {
  test.setTimeout(300_000);
  const aliceContext = await speakerBrowser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const alice = await aliceContext.newPage();
  const bobContext = await listenerBrowser.newContext({ acceptDownloads: true });
  const bob = await bobContext.newPage();
  // The fake microphone loops the clip: lead silence, speech, tail silence.
  const loopMs = Math.round((LEAD_S + Number(execFileSync('soxi', ['-D', CLIP], { encoding: 'utf8' })) + TAIL_S) * 1000);

  let room = '';
  await test.step('Alice starts a new room from the lobby, checks her microphone and joins with it', async () => {
    await alice.goto(stack.url);
    await expect(alice.getByTestId('pair-engine')).toBeVisible();
    expect(await seriousA11yViolations(alice), 'lobby').toEqual([]);
    await alice.getByTestId('name').fill('Alice');
    await alice.getByTestId('new-room').click();
    room = await alice.getByTestId('room').inputValue();
    expect(room).toMatch(/^room-[a-z0-9]{8}$/);
    await alice.getByTestId('speaks').selectOption('en');
    await alice.getByTestId('reads').selectOption('en');
    await expect(alice.getByTestId('speech-engine')).toHaveText('Your English speech is recognised (offline: pocketsphinx).');
    await alice.getByTestId('mic-test').click();
    await expect(alice.getByTestId('mic-status')).toHaveText('✓ We can hear you. Your microphone works.', { timeout: 20_000 });
    await alice.getByTestId('mic-test').click();
    await alice.getByTestId('join-mic').click();
    await alice.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
  });

  let link = '';
  await test.step('she copies the room link', async () => {
    await alice.getByRole('button', { name: 'Copy link' }).click();
    await expect(alice.getByText('Link copied')).toBeVisible();
    link = await alice.evaluate(() => navigator.clipboard.readText());
    expect(link).toBe(`${stack.url}/r/${room}`);
  });

  let sightings: Awaited<ReturnType<typeof recordCaptionSightings>>;
  await test.step('Bob opens the link, reads Spanish, and joins to listen', async () => {
    await bob.goto(link);
    await expect(bob.getByTestId('room')).toHaveValue(room);
    await bob.getByTestId('name').fill('Bob');
    await bob.getByTestId('speaks').selectOption('es');
    await bob.getByTestId('reads').selectOption('es');
    await expect(bob.getByTestId('pair-engine')).toHaveText('Captions in Español from English (offline: pocketsphinx + Apertium).');
    await bob.getByTestId('join-listen').click();
    await bob.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
    sightings = await recordCaptionSightings(bob);
    await expect(bob.getByTestId('participant').filter({ hasText: 'Alice' }).getByTestId('participant-engine')).toHaveText(
      'captions for you: pocketsphinx + Apertium (offline)',
    );
  });

  let firstFinalId = '';
  await test.step('Alice’s speech reaches Bob as Spanish captions: interim first, then the final in its place', async () => {
    const final = finalCaptions(bob).first();
    await expect(final).toBeVisible({ timeout: 90_000 });
    await expect(final).toHaveAttribute('data-lang', 'es');
    await expect(final).toHaveAttribute('data-source-lang', 'en');
    firstFinalId = (await final.getAttribute('data-utterance-id'))!;
    const seen = (await sightings()).filter((s) => s.utteranceId === firstFinalId);
    const firstFinal = seen.findIndex((s) => s.kind === 'final');
    expect(seen.slice(0, firstFinal).some((s) => s.kind === 'interim' && s.text !== '')).toBe(true);
    expect(seen.slice(firstFinal).every((s) => s.kind === 'final')).toBe(true);
    await expect(bob.locator(`[data-testid="caption"][data-utterance-id="${firstFinalId}"]`)).toHaveCount(1);
    // The screen reader's live region holds the final phrase, once.
    await expect(bob.getByTestId('caption-announcer')).toHaveText(`Alice: ${await final.getByTestId('caption-text').textContent()}`);
    // The original is one click away.
    await final.getByTestId('caption-original-toggle').click();
    await expect(final.getByTestId('caption-source-text')).toBeVisible();
    expect(await seriousA11yViolations(bob), 'room with captions').toEqual([]);
  });

  await test.step('Bob switches his captions to English mid-meeting: the next phrases arrive in English, without rejoining', async () => {
    const before = new Set(await captionIds(bob));
    await bob.getByTestId('room-reads').selectOption('en');
    await expect(bob.getByTestId('room-reads')).toBeEnabled();
    await expect(bob.getByTestId('participant').filter({ hasText: 'Bob' })).toContainText('reads English');
    // A phrase already under way may end in English too (its source-language final reaches the new
    // audience); the next phrase, one never seen before the switch, must be English.
    const newEnglishFinals = () =>
      bob.locator('[data-testid="caption"][data-kind="final"][data-lang="en"]').evaluateAll(
        (items, known) => items.filter((li) => !known.includes((li as HTMLElement).dataset.utteranceId!) && li.textContent!.trim() !== '').length,
        [...before],
      );
    await expect.poll(newEnglishFinals, { timeout: 60_000 }).toBeGreaterThan(0);
    // Everything first seen after the switch is English; what was shown before stays as it was.
    const after = await bob.getByTestId('caption').evaluateAll((items, known) => items.filter((li) => !known.includes((li as HTMLElement).dataset.utteranceId!)).map((li) => (li as HTMLElement).dataset.lang), [...before]);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after)).toEqual(new Set(['en']));
    await expect(bob.locator(`[data-testid="caption"][data-utterance-id="${firstFinalId}"]`)).toHaveAttribute('data-lang', 'es');
    // Still the same two people: the switch did not rejoin.
    await expect(bob.getByTestId('participant')).toHaveCount(2);
  });

  await test.step('Alice mutes with the M key: no caption of her comes while muted; unmuted, they come again', async () => {
    // Mute in the silence after a phrase, so no phrase is cut in half.
    const count = await finalCaptions(alice).count();
    await expect(finalCaptions(alice)).toHaveCount(count + 1, { timeout: 60_000 });
    await alice.locator('body').press('m');
    await expect(alice.getByTestId('mute')).toHaveAttribute('aria-pressed', 'true');
    await expect(bob.getByTestId('participant').filter({ hasText: 'Alice' })).toHaveAttribute('data-muted', 'true');
    // A phrase under way when she muted (the clip has pauses, so one can start mid-clip) is ended
    // by the mute and still arrives as a final; after that, nothing more of hers.
    await bob.waitForTimeout(3_000);
    await expect(bob.locator('[data-testid="caption"][data-kind="interim"]')).toHaveCount(0, { timeout: 30_000 });
    const mutedIds = new Set(await captionIds(bob));
    // Absence cannot be awaited: wait one whole loop of the clip (speech included), then look.
    await bob.waitForTimeout(loopMs + 2_000);
    const during = (await captionIds(bob)).filter((id) => !mutedIds.has(id));
    expect(during).toEqual([]);
    await alice.locator('body').press('m');
    await expect(alice.getByTestId('mute')).toHaveAttribute('aria-pressed', 'false');
    await expect
      .poll(async () => (await captionIds(bob)).filter((id) => !mutedIds.has(id)).length, { timeout: 60_000 })
      .toBeGreaterThan(0);
  });

  await test.step('Bob leaves, opens History, and downloads the Spanish transcript as SRT and WebVTT matching the stored one', async () => {
    await alice.getByTestId('leave').click();
    // Her last phrase, cut by leaving, is still being stored: wait until the transcript stops growing.
    let last = -1;
    await expect
      .poll(async () => {
        const now = (await storedTranscript(bob, room)).length;
        const settled = now === last;
        last = now;
        return settled;
      }, { intervals: [3_000], timeout: 30_000 })
      .toBe(true);
    await bob.getByTestId('leave').click();
    await bob.getByTestId('open-history').click();
    await bob.getByTestId('history-room').filter({ hasText: room }).click();
    await expect(bob.getByTestId('transcript-line').first()).toBeVisible();
    await bob.getByTestId('transcript-lang-es').click();
    expect(await seriousA11yViolations(bob), 'history').toEqual([]);
    const stored = (await storedTranscript(bob, room, 'es')).filter((s) => s.text.trim() !== '');
    expect(stored.length).toBeGreaterThan(0);
    const origin = Math.min(...stored.map((s) => s.startedAtMs));

    const srtDownload = bob.waitForEvent('download');
    await bob.getByTestId('export-srt').click();
    const srt = await srtDownload;
    expect(srt.suggestedFilename()).toBe(`${room}-es.srt`);
    const cues = parseSrt(readFileSync((await srt.path())!, 'utf8'));
    expect(cues.map((c) => c.index)).toEqual(cues.map((_, i) => i + 1));
    const flat = (text: string) => text.replace(/\s+/g, ' ').trim();
    expect(flat(cues.map((c) => c.text).join(' '))).toBe(flat(stored.map((s) => `${s.speakerName}: ${s.text}`).join(' ')));
    for (const segment of stored) {
      expect(cues.some((c) => Math.abs(c.startMs - (segment.startedAtMs - origin)) <= 1)).toBe(true);
      expect(cues.some((c) => Math.abs(c.endMs - Math.max(segment.endedAtMs - origin, segment.startedAtMs - origin + 500)) <= 1)).toBe(true);
    }

    const vttDownload = bob.waitForEvent('download');
    await bob.getByTestId('export-vtt').click();
    const vtt = await vttDownload;
    expect(vtt.suggestedFilename()).toBe(`${room}-es.vtt`);
    const raw = readFileSync((await vtt.path())!, 'utf8');
    const parsed = parseVtt(raw);
    expect(parsed.header).toBe(`WEBVTT - Parley transcript: ${room} (Español)`);
    expect(raw).toContain('<v Alice>');
    expect(flat(parsed.cues.map((c) => c.text).join(' '))).toBe(flat(stored.map((s) => s.text).join(' ')));
    expect(parsed.cues.map((c) => c.startMs)).toEqual(cues.map((c) => c.startMs));
  });
});
