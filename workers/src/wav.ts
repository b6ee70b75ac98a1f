import { readFile } from 'node:fs/promises';

export interface WavAudio {
  sampleRateHz: number;
  channels: number;
  /** Interleaved when there is more than one channel. */
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

const FORMAT_NAMES: Record<number, string> = {
  [WAVE_FORMAT_IEEE_FLOAT]: 'floating-point',
  [WAVE_FORMAT_ALAW]: 'A-law',
  [WAVE_FORMAT_MULAW]: 'mu-law',
  0x0002: 'ADPCM',
  0x0011: 'IMA ADPCM',
  0x0055: 'MP3',
};

function formatName(tag: number): string {
  return FORMAT_NAMES[tag] ?? `format 0x${tag.toString(16).padStart(4, '0')}`;
}

/** Reads a 16-bit PCM WAV file; any other encoding is refused with a sentence saying which it is. */
export async function readWav(path: string): Promise<WavAudio> {
  const bytes = await readFile(path);
  try {
    return parseWav(bytes);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function parseWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (offset: number): string => String.fromCharCode(...bytes.subarray(offset, offset + 4));

  if (bytes.byteLength < 12) throw new Error('not a WAV file (too short for a RIFF header)');
  const riff = fourcc(0);
  if (riff === 'RIFX') throw new Error('big-endian (RIFX) WAV is not supported; convert it to little-endian 16-bit PCM');
  if (riff === 'RF64') throw new Error('RF64 WAV is not supported; convert it to a plain 16-bit PCM WAV');
  if (riff !== 'RIFF' || fourcc(8) !== 'WAVE') throw new Error('not a WAV file (no RIFF/WAVE header)');

  let format: { tag: number; channels: number; sampleRateHz: number; blockAlign: number; bitsPerSample: number } | undefined;
  let data: Uint8Array | undefined;

  // Chunks can come in any order and include LIST, fact, cue and others we skip; each is padded
  // to an even length.
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = fourcc(offset);
    const declared = view.getUint32(offset + 4, true);
    const start = offset + 8;
    // Streamed writers leave the size at 0xffffffff and truncated files fall short; either way
    // take what the file actually holds.
    const end = Math.min(start + declared, bytes.byteLength);
    if (id === 'fmt ') {
      if (end - start < 16) throw new Error('fmt chunk is too short');
      let tag = view.getUint16(start, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (end - start < 40) throw new Error('extensible fmt chunk is too short');
        // The sub-format GUID starts with the plain format tag.
        tag = view.getUint16(start + 24, true);
      }
      format = {
        tag,
        channels: view.getUint16(start + 2, true),
        sampleRateHz: view.getUint32(start + 4, true),
        blockAlign: view.getUint16(start + 12, true),
        bitsPerSample: view.getUint16(start + 14, true),
      };
    } else if (id === 'data') {
      data = bytes.subarray(start, end);
    }
    if (format && data) break;
    offset = start + declared + (declared % 2);
  }

  if (!format) throw new Error('WAV file has no fmt chunk');
  if (!data) throw new Error('WAV file has no data chunk');
  if (format.tag !== WAVE_FORMAT_PCM) {
    throw new Error(`WAV audio is ${formatName(format.tag)}; only 16-bit PCM is supported`);
  }
  if (format.bitsPerSample !== 16) {
    throw new Error(`WAV audio is ${format.bitsPerSample}-bit PCM; only 16-bit PCM is supported`);
  }
  if (format.channels < 1) throw new Error('WAV fmt chunk declares no channels');
  if (format.sampleRateHz < 1) throw new Error('WAV fmt chunk declares a sample rate of 0 Hz');
  if (format.blockAlign !== format.channels * 2) {
    throw new Error(`WAV block alignment ${format.blockAlign} does not match ${format.channels} channel(s) of 16-bit samples`);
  }

  // A truncated file can end mid-frame; the partial frame is dropped so channels stay aligned.
  const frames = Math.floor(data.byteLength / format.blockAlign);
  const samples = new Int16Array(frames * format.channels);
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < samples.length; i++) samples[i] = dataView.getInt16(i * 2, true);
  return { sampleRateHz: format.sampleRateHz, channels: format.channels, samples };
}
