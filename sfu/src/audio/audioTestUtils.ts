/** Fixtures shared by the audio tests: WAV reading, sox-made signals, Opus packetising. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import opus from '@discordjs/opus';

export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
export const LIBRIVOX_0920 = `${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0920.wav`;

export interface Wav {
  sampleRate: number;
  channels: number;
  /** Interleaved when channels > 1. */
  samples: Int16Array;
}

/** Reads a 16-bit PCM WAV, skipping whatever chunks precede the audio. */
export function readWav(path: string): Wav {
  const file = readFileSync(path);
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a WAV file`);
  }
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = file.readUInt16LE(body + 2);
      sampleRate = file.readUInt32LE(body + 4);
      const bits = file.readUInt16LE(body + 14);
      if (bits !== 16) throw new Error(`${path}: only 16-bit PCM is supported, not ${bits}-bit`);
    } else if (id === 'data') {
      const length = Math.min(size, file.length - body) >> 1;
      const samples = new Int16Array(length);
      for (let i = 0; i < length; i++) samples[i] = file.readInt16LE(body + i * 2);
      return { sampleRate, channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path} has no data chunk`);
}

/** A scratch directory for sox output; remove() deletes it. */
export function scratchDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'parley-audio-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs sox with the given arguments and reads back the WAV it wrote to `output`. */
export function sox(args: string[], output: string): Wav {
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return readWav(output);
}

export function tone(frequencyHz: number, seconds: number, sampleRate: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate));
  return out;
}

export function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

export interface RtpPacket {
  payload: Buffer;
  sequenceNumber: number;
  timestamp: number;
}

/** Cuts 48 kHz PCM into 20 ms Opus packets with RTP numbering, the way a browser sends them. */
export function packetize(
  pcm48k: Int16Array,
  options: { channels?: 1 | 2; firstSequence?: number; firstTimestamp?: number } = {},
): RtpPacket[] {
  const channels = options.channels ?? 1;
  const encoder = new opus.OpusEncoder(48_000, channels);
  const frame = 960;
  const packets: RtpPacket[] = [];
  let sequence = options.firstSequence ?? 1;
  let timestamp = options.firstTimestamp ?? 0;
  const samplesPerFrame = frame * channels;
  for (let start = 0; start < pcm48k.length; start += samplesPerFrame) {
    const chunk = new Int16Array(samplesPerFrame);
    chunk.set(pcm48k.subarray(start, start + samplesPerFrame));
    const payload = encoder.encode(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    packets.push({ payload, sequenceNumber: sequence & 0xffff, timestamp: timestamp >>> 0 });
    sequence += 1;
    timestamp += frame;
  }
  return packets;
}

/**
 * The Opus DTX frame a sender in a pause sends after `previous` (the table-of-contents byte alone,
 * no audio): the next sequence number, 20 ms on.
 */
export function dtxFrameAfter(previous: RtpPacket): RtpPacket {
  return { payload: Buffer.from([(previous.payload[0] as number) & 0xfc]), sequenceNumber: (previous.sequenceNumber + 1) & 0xffff, timestamp: (previous.timestamp + 960) >>> 0 };
}

/** Deterministic pseudo-random numbers in [0, 1) for reproducible loss patterns. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
