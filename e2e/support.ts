import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
export { wordErrorRate } from '../workers/src/stt/wer.js';

export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // The SFU listens on 127.0.0.1 in tests; let Chromium use loopback candidates too.
  '--allow-loopback-in-peer-connection',
];

/** Headless Debian Chromium; with `micWav`, its microphone plays that file in a loop. */
export function launchChromium(micWav?: string): Promise<Browser> {
  const args = [...BASE_FLAGS];
  if (micWav) args.push(`--use-file-for-fake-audio-capture=${micWav}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

/**
 * A clip between silences: the lead lets WebRTC connect before speech starts (the fake microphone
 * plays from the moment it opens), the tail ends the utterance before the file loops.
 */
export function clipWithSilence(clip: string, leadSeconds: number, tailSeconds: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const out = join(dir, 'mic.wav');
  execFileSync('sox', [clip, '-r', '48000', '-c', '1', '-b', '16', out, 'pad', String(leadSeconds), String(tailSeconds)]);
  return out;
}

export interface JoinOptions {
  name: string;
  room: string;
  speaks: string;
  reads: string;
  withMic: boolean;
}

export async function joinRoom(page: Page, baseUrl: string, o: JoinOptions): Promise<void> {
  await page.goto(baseUrl);
  await page.getByTestId('name').fill(o.name);
  await page.getByTestId('room').fill(o.room);
  await page.getByTestId('speaks').selectOption(o.speaks);
  await page.getByTestId('reads').selectOption(o.reads);
  await page.getByTestId(o.withMic ? 'join-mic' : 'join-listen').click();
  await page.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
}

export interface CaptionSighting {
  utteranceId: string;
  kind: string;
  text: string;
  atMs: number;
}

/** Records every caption state the page shows, however briefly, from now on. */
export async function recordCaptionSightings(page: Page): Promise<() => Promise<CaptionSighting[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __sightings: CaptionSighting[] };
    w.__sightings = [];
    const record = () => {
      for (const el of document.querySelectorAll<HTMLElement>('[data-testid="caption"]')) {
        const sighting = {
          utteranceId: el.dataset.utteranceId ?? '',
          kind: el.dataset.kind ?? '',
          text: el.querySelector('[data-testid="caption-text"]')?.textContent ?? '',
          atMs: performance.now(),
        };
        const last = w.__sightings.findLast((s) => s.utteranceId === sighting.utteranceId);
        if (!last || last.kind !== sighting.kind || last.text !== sighting.text) w.__sightings.push(sighting);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () => page.evaluate(() => (window as unknown as { __sightings: CaptionSighting[] }).__sightings);
}

export function referenceTranscript(clipId: string): string {
  const lines = readFileSync(join(LIBRIVOX_DIR, 'transcription'), 'utf8').split('\n');
  const line = lines.find((l) => l.includes(`(${clipId})`));
  if (!line) throw new Error(`no reference transcript for ${clipId}`);
  return line.replace(/<\/?s>/g, '').replace(/\(.*\)/, '').trim();
}
