import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav, readWav } from './wav.js';

interface Chunk {
  id: string;
  body: Buffer;
  /** Overrides the size field, for streamed or truncated files. */
  declaredSize?: number;
}

function fmtBody(tag: number, channels: number, rate: number, bits: number): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE((rate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return body;
}

function pcmBody(samples: number[]): Buffer {
  const body = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => body.writeInt16LE(s, i * 2));
  return body;
}

function riff(chunks: Chunk[], magic = 'RIFF'): Buffer {
  const parts = chunks.map(({ id, body, declaredSize }) => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'ascii');
    header.writeUInt32LE(declaredSize ?? body.length, 4);
    return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
  });
  const payload = Buffer.concat([Buffer.from('WAVE', 'ascii'), ...parts]);
  const header = Buffer.alloc(8);
  header.write(magic, 0, 'ascii');
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('parseWav', () => {
  it('reads mono 16-bit PCM', () => {
    const wav = parseWav(riff([{ id: 'fmt ', body: fmtBody(1, 1, 16_000, 16) }, { id: 'data', body: pcmBody([0, 1, -1, 32767, -32768]) }]));
    expect(wav.sampleRateHz).toBe(16_000);
    expect(wav.channels).toBe(1);
    expect(Array.from(wav.samples)).toEqual([0, 1, -1, 32767, -32768]);
  });

  it('skips unknown and odd-sized chunks, and accepts data before fmt', () => {
    const wav = parseWav(
      riff([
        { id: 'LIST', body: Buffer.from('INFOabc', 'ascii') },
        { id: 'data', body: pcmBody([5, -5, 7, -7]) },
        { id: 'fmt ', body: fmtBody(1, 2, 44_100, 16) },
      ]),
    );
    expect(wav.sampleRateHz).toBe(44_100);
    expect(wav.channels).toBe(2);
    expect(Array.from(wav.samples)).toEqual([5, -5, 7, -7]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with a PCM sub-format', () => {
    const fmt = Buffer.alloc(40);
    fmtBody(0xfffe, 1, 8_000, 16).copy(fmt);
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(1, 24);
    const wav = parseWav(riff([{ id: 'fmt ', body: fmt }, { id: 'data', body: pcmBody([3]) }]));
    expect(Array.from(wav.samples)).toEqual([3]);
  });

  it('takes what is there when the data size is a streaming placeholder or overruns the file', () => {
    const fmt = { id: 'fmt ', body: fmtBody(1, 1, 16_000, 16) };
    const streamed = parseWav(riff([fmt, { id: 'data', body: pcmBody([1, 2, 3]), declaredSize: 0xffffffff }]));
    expect(Array.from(streamed.samples)).toEqual([1, 2, 3]);
    // The odd trailing byte is half a sample and is dropped.
    const whole = riff([fmt, { id: 'data', body: pcmBody([1, 2, 3]), declaredSize: 100 }]);
    const truncated = parseWav(whole.subarray(0, whole.length - 1));
    expect(Array.from(truncated.samples)).toEqual([1, 2]);
  });

  it('explains why other encodings are refused', () => {
    const data = { id: 'data', body: pcmBody([0, 0]) };
    expect(() => parseWav(riff([{ id: 'fmt ', body: fmtBody(3, 1, 16_000, 32) }, data]))).toThrow(/floating-point; only 16-bit PCM/);
    expect(() => parseWav(riff([{ id: 'fmt ', body: fmtBody(7, 1, 8_000, 8) }, data]))).toThrow(/mu-law/);
    expect(() => parseWav(riff([{ id: 'fmt ', body: fmtBody(1, 1, 16_000, 24) }, data]))).toThrow(/24-bit PCM; only 16-bit PCM/);
    expect(() => parseWav(riff([{ id: 'fmt ', body: fmtBody(1, 1, 16_000, 16) }, data], 'RIFX'))).toThrow(/big-endian/);
  });

  it('explains malformed files', () => {
    expect(() => parseWav(Buffer.from('hello'))).toThrow(/not a WAV file/);
    expect(() => parseWav(Buffer.from('RIFF\0\0\0\0AVI LIST'))).toThrow(/not a WAV file/);
    expect(() => parseWav(riff([{ id: 'data', body: pcmBody([1]) }]))).toThrow(/no fmt chunk/);
    expect(() => parseWav(riff([{ id: 'fmt ', body: fmtBody(1, 1, 16_000, 16) }]))).toThrow(/no data chunk/);
  });
});

describe('readWav', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-wav-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file from disk', async () => {
    const path = join(dir, 'tone.wav');
    await writeFile(path, riff([{ id: 'fmt ', body: fmtBody(1, 1, 16_000, 16) }, { id: 'data', body: pcmBody([10, 20, 30]) }]));
    const wav = await readWav(path);
    expect(Array.from(wav.samples)).toEqual([10, 20, 30]);
  });

  it('names the file in its errors', async () => {
    const path = join(dir, 'float.wav');
    await writeFile(path, riff([{ id: 'fmt ', body: fmtBody(3, 1, 16_000, 32) }, { id: 'data', body: Buffer.alloc(8) }]));
    await expect(readWav(path)).rejects.toThrow(`${path}: WAV audio is floating-point`);
  });

  it('reads the pocketsphinx test recordings', async () => {
    const wav = await readWav('/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0920.wav');
    expect(wav.sampleRateHz).toBe(16_000);
    expect(wav.channels).toBe(1);
    expect(wav.samples.length).toBe(96_800);
  });
});
