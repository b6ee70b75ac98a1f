import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcmSamples } from '@parley/protocol/streams';

export const TESTDATA_DIR = '/usr/share/pocketsphinx/test/data';
export const LIBRIVOX_DIR = `${TESTDATA_DIR}/librivox`;

export interface SpeechClip {
  id: string;
  reference: string;
  /** 48 kHz mono PCM, as a microphone would capture it. */
  samples48k: Int16Array;
  /** The recording as it is: 16 kHz mono. */
  samples16k: Int16Array;
  /** Where the first speech in the clip starts, from its energy envelope. */
  speechStartSeconds: number;
  /** Where the last speech in the clip ends, from its energy envelope. */
  speechEndSeconds: number;
}

/** A recording converted by sox; `rawInput` describes headerless 16 kHz files. */
function pcm(path: string, rateHz: number, rawInput: boolean): Int16Array {
  const input = rawInput ? ['-t', 'raw', '-r', '16000', '-e', 'signed-integer', '-b', '16', '-c', '1', '-L', path] : [path];
  const raw = execFileSync('sox', ['-V1', ...input, '-t', 'raw', '-r', String(rateHz), '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-'], { maxBuffer: 64 * 1024 * 1024 });
  return pcmSamples(raw);
}

function clip(id: string, path: string, reference: string, rawInput = false): SpeechClip {
  const samples48k = pcm(path, 48_000, rawInput);
  const { startSeconds, endSeconds } = speechBounds(samples48k, 48_000);
  return { id, reference, samples48k, samples16k: pcm(path, 16_000, rawInput), speechStartSeconds: startSeconds, speechEndSeconds: endSeconds };
}

/**
 * The tuning set: the five recorded librivox clips (read English, one reader) with their
 * reference transcripts. Every setting measured on these benches was chosen on them.
 */
export function loadLibrivoxClips(): SpeechClip[] {
  const lines = readFileSync(join(LIBRIVOX_DIR, 'transcription'), 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => {
    const id = /\(([^)]+)\)/.exec(line)?.[1];
    if (!id) throw new Error(`unexpected transcription line: ${line}`);
    return clip(id, join(LIBRIVOX_DIR, `${id}.wav`), line.replace(/<\/?s>/g, '').replace(/\(.*\)/, '').trim());
  });
}

/**
 * Real recorded speech no setting was tuned on: the other recordings of English speech in
 * Debian's pocketsphinx-testdata that have a known transcript. Other speakers, short commands and
 * digits rather than read prose:
 * - cards/001–005: playing cards named by a speaker (references in cards.transcription);
 * - goforward.raw: "go forward ten meters" (pocketsphinx's own documented example);
 * - tidigits/dhd.2934z.raw: a TIDIGITS recording, whose name spells its digits (2 9 3 4 z=zero).
 * numbers.raw and something.raw are left out: nothing in the package says what they say.
 */
export function loadUntunedClips(): SpeechClip[] {
  const cards = readFileSync(join(TESTDATA_DIR, 'cards', 'cards.transcription'), 'utf8').split('\n').filter(Boolean);
  return [
    ...cards.map((line) => {
      const id = /\(([^)]+)\)/.exec(line)?.[1];
      if (!id) throw new Error(`unexpected transcription line: ${line}`);
      return clip(`cards-${id}`, join(TESTDATA_DIR, 'cards', `${id}.wav`), line.replace(/<\/?s>/g, '').replace(/\(.*\)/, '').trim());
    }),
    clip('goforward', join(TESTDATA_DIR, 'goforward.raw'), 'go forward ten meters', true),
    clip('tidigits-2934z', join(TESTDATA_DIR, 'tidigits', 'dhd.2934z.raw'), 'two nine three four zero', true),
  ];
}

/** Start of the first and end of the last 20 ms frame louder than a tenth of the clip's loudest frame (RMS). */
export function speechBounds(samples: Int16Array, sampleRateHz: number): { startSeconds: number; endSeconds: number } {
  const frame = Math.round(sampleRateHz * 0.02);
  const rms: number[] = [];
  for (let start = 0; start + frame <= samples.length; start += frame) {
    let sum = 0;
    for (let i = start; i < start + frame; i++) sum += samples[i]! * samples[i]!;
    rms.push(Math.sqrt(sum / frame));
  }
  const threshold = Math.max(...rms) / 10;
  let last = rms.length - 1;
  while (last > 0 && rms[last]! < threshold) last--;
  let first = 0;
  while (first < last && rms[first]! < threshold) first++;
  return { startSeconds: (first * frame) / sampleRateHz, endSeconds: ((last + 1) * frame) / sampleRateHz };
}

/** End of the last loud frame (see speechBounds). */
export function speechEndSeconds(samples: Int16Array, sampleRateHz: number): number {
  return speechBounds(samples, sampleRateHz).endSeconds;
}
