import type { Browser } from '@playwright/test';
import { ApertiumEngine } from '../workers/src/mt/ApertiumEngine.js';
import { captionWordErrors, comparableWordCount } from '../workers/src/stt/wer.js';
import { expect, test } from './fixtures.js';
import { LIBRIVOX_DIR, clipWithSilence, joinRoom, launchChromium, recordCaptionSightings, referenceTranscript } from './support.js';

const CLIP_ID = 'sense_and_sensibility_01_austen_64kb-0920';

let speakerBrowser: Browser;
let listenerBrowser: Browser;

test.beforeAll(async () => {
  speakerBrowser = await launchChromium(clipWithSilence(`${LIBRIVOX_DIR}/${CLIP_ID}.wav`, 3, 4));
  listenerBrowser = await launchChromium();
});

test.afterAll(async () => {
  await speakerBrowser?.close();
  await listenerBrowser?.close();
});

test('English speech in one browser becomes Spanish captions in another, and only in that room', async ({ stack }) => {
  const reader = await listenerBrowser.newPage();
  const otherRoom = await listenerBrowser.newPage();
  const speaker = await speakerBrowser.newPage();
  await joinRoom(reader, stack.url, { name: 'Beatriz', room: 'R', speaks: 'es', reads: 'es', withMic: false });
  await joinRoom(otherRoom, stack.url, { name: 'Carla', room: 'R2', speaks: 'es', reads: 'es', withMic: false });
  const sightings = await recordCaptionSightings(reader);
  await joinRoom(speaker, stack.url, { name: 'Alice', room: 'R', speaks: 'en', reads: 'en', withMic: true });

  const finalCaption = reader.locator('[data-testid="caption"][data-kind="final"]').filter({ hasText: /\S/ }).first();
  await expect(finalCaption).toBeVisible({ timeout: 90_000 });
  await expect(finalCaption).toHaveAttribute('data-lang', 'es');
  await expect(finalCaption).toHaveAttribute('data-source-lang', 'en');

  const english = (await finalCaption.getByTestId('caption-source-text').textContent()) ?? '';
  const spanish = (await finalCaption.getByTestId('caption-text').textContent()) ?? '';
  // The caption is written for reading ("Had he married…", digits, full stops); the reference is
  // spoken words. Both go through the same clean-up before their words are compared.
  const reference = referenceTranscript(CLIP_ID);
  const wer = captionWordErrors(reference, english) / comparableWordCount(reference);
  console.log(`recognised: "${english}" (WER ${wer.toFixed(2)}); shown: "${spanish}"`);
  expect(wer).toBeLessThanOrEqual(0.5);
  expect(english).toMatch(/^\p{Lu}/u);
  expect(english).toMatch(/[.?!]$/);

  // What the reader sees is Apertium's translation of exactly the English shown beside it.
  const apertium = await ApertiumEngine.connect({ url: stack.apertiumUrl });
  expect(spanish).toBe(await apertium.translate(english, 'en', 'es'));
  await apertium.close();

  await expect(otherRoom.getByTestId('caption')).toHaveCount(0);

  await test.step('the listener hears the speaker: one remote stream, with RTP arriving', async () => {
    const remoteAudio = reader.getByTestId('remote-audio');
    await expect(remoteAudio).toHaveCount(1);
    await expect
      .poll(() => remoteAudio.evaluate((el) => ((el as HTMLAudioElement).srcObject as MediaStream | null)?.getAudioTracks()[0]?.muted))
      .toBe(false);
    await expect(otherRoom.getByTestId('remote-audio')).toHaveCount(0);
    await expect(speaker.getByTestId('remote-audio')).toHaveCount(0);
  });

  await test.step('the page says which engines caption the speaker for this reader', async () => {
    const alice = reader.getByTestId('participant').filter({ hasText: 'Alice' });
    await expect(alice.getByTestId('participant-engine')).toHaveText('captions for you: pocketsphinx + Apertium (offline)');
  });

  await test.step('interim captions came first, and the final replaced them', async () => {
    const utteranceId = (await finalCaption.getAttribute('data-utterance-id'))!;
    const seen = (await sightings()).filter((s) => s.utteranceId === utteranceId);
    const firstFinal = seen.findIndex((s) => s.kind === 'final');
    expect(seen.slice(0, firstFinal).filter((s) => s.kind === 'interim' && s.text !== '').length).toBeGreaterThan(0);
    expect(seen.slice(firstFinal).every((s) => s.kind === 'final')).toBe(true);
    await expect(reader.locator(`[data-testid="caption"][data-utterance-id="${utteranceId}"]`)).toHaveCount(1);
  });
});
