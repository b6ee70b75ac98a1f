import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav } from '../workers/src/wav.js';

export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';

export interface SpeechClip {
  id: string;
  reference: string;
  /** 48 kHz mono PCM, as a microphone would capture it. */
  samples48k: Int16Array;
  /** The recording as it is: 16 kHz mono. */
  samples16k: Int16Array;
  /** Where the last speech in the clip ends, from its energy envelope. */
  speechEndSeconds: number;
}

/** The five recorded librivox clips with their reference transcripts. */
export function loadLibrivoxClips(): SpeechClip[] {
  const lines = readFileSync(join(LIBRIVOX_DIR, 'transcription'), 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => {
    const id = /\(([^)]+)\)/.exec(line)?.[1];
    if (!id) throw new Error(`unexpected transcription line: ${line}`);
    const reference = line.replace(/<\/?s>/g, '').replace(/\(.*\)/, '').trim();
    const raw = execFileSync('sox', [join(LIBRIVOX_DIR, `${id}.wav`), '-t', 'raw', '-r', '48000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const samples48k = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const samples16k = parseWav(readFileSync(join(LIBRIVOX_DIR, `${id}.wav`))).samples;
    return { id, reference, samples48k, samples16k, speechEndSeconds: speechEndSeconds(samples48k, 48_000) };
  });
}

/** End of the last 20 ms frame louder than a tenth of the clip's loudest frame (RMS). */
export function speechEndSeconds(samples: Int16Array, sampleRateHz: number): number {
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
  return ((last + 1) * frame) / sampleRateHz;
}
