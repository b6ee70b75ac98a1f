import type { LanguageCode } from '@parley/protocol';
import { SerialSttStream } from './SerialSttStream.js';
import type { PartialOptions } from './SttEngine.js';
import type { WhisperDecode } from './WhisperEngine.js';

export const WHISPER_SAMPLE_RATE_HZ = 16_000;
/** Whisper hears 30 s at a time; longer audio is decoded window by window. */
export const WHISPER_WINDOW_SAMPLES = 30 * WHISPER_SAMPLE_RATE_HZ;

/** What a stream needs from its engine. */
export interface WhisperDecoder {
  readonly partialIntervalMs: number;
  decode(audio: Float32Array, lang: LanguageCode): Promise<WhisperDecode>;
}

/** Words two decodes agree on from the start: the part of an interim that will not change. */
export function commonWordPrefix(a: string, b: string): string {
  const wa = a.trim().split(/\s+/).filter(Boolean);
  const wb = b.trim().split(/\s+/).filter(Boolean);
  let n = 0;
  while (n < wa.length && n < wb.length && wa[n] === wb[n]) n++;
  return wa.slice(0, n).join(' ');
}

/**
 * One utterance for Whisper, which has no incremental decoder: the audio is buffered, partial()
 * decodes the whole buffer again and returns what the last two decodes agree on, and finish()
 * decodes it once more. Windows of 30 s that are full never change, so their text is kept.
 */
export class WhisperEngineStream extends SerialSttStream {
  private buffer = new Float32Array(WHISPER_WINDOW_SAMPLES / 4);
  private length = 0;
  private readonly fullWindowTexts: string[] = [];
  private previousText: string | undefined;
  private stable = '';
  private decodedLength = 0;
  private lastPartialAtMs = -Infinity;
  /** Decodes made for this stream, newest last (tests and metrics). */
  readonly decodes: WhisperDecode[] = [];

  constructor(
    private readonly decoder: WhisperDecoder,
    private readonly lang: LanguageCode,
  ) {
    super();
  }

  write(pcm: Int16Array): Promise<void> {
    const refusal = this.writeRefusal(pcm);
    if (refusal) return Promise.reject(refusal);
    this.append(pcm);
    return Promise.resolve();
  }

  partial(options: PartialOptions = {}): Promise<string> {
    const refusal = this.refusal('partial');
    if (refusal) return Promise.reject(refusal);
    return this.enqueue('partial', async () => {
      const fresh = this.length > this.decodedLength;
      // At a pause the whole buffer is decoded now, and all of its text given, settled or not.
      if (options.complete) {
        if (fresh || this.previousText === undefined) this.previousText = await this.transcribe();
        return this.previousText;
      }
      if (!fresh || performance.now() - this.lastPartialAtMs < this.decoder.partialIntervalMs) return this.stable;
      this.lastPartialAtMs = performance.now();
      const text = await this.transcribe();
      this.stable = this.previousText === undefined ? '' : commonWordPrefix(this.previousText, text);
      this.previousText = text;
      return this.stable;
    });
  }

  finish(): Promise<string> {
    const refusal = this.refusal('finish');
    if (refusal) return Promise.reject(refusal);
    this.state = 'finishing';
    return this.enqueue('finish', async () => {
      try {
        return this.length ? await this.transcribe() : '';
      } finally {
        if (this.state === 'finishing') this.state = 'finished';
        this.buffer = new Float32Array(0);
      }
    });
  }

  close(): void {
    if (this.state === 'finished' || this.state === 'closed') return;
    this.state = 'closed';
    this.buffer = new Float32Array(0);
    this.length = 0;
  }

  /** Text of everything written so far: cached full windows, then the newest window decoded. */
  private async transcribe(): Promise<string> {
    const length = this.length;
    const fullWindows = Math.floor(length / WHISPER_WINDOW_SAMPLES);
    for (let w = this.fullWindowTexts.length; w < fullWindows; w++) {
      this.fullWindowTexts.push(await this.decodeRange(w * WHISPER_WINDOW_SAMPLES, (w + 1) * WHISPER_WINDOW_SAMPLES));
    }
    const tailStart = fullWindows * WHISPER_WINDOW_SAMPLES;
    const tail = length > tailStart ? await this.decodeRange(tailStart, length) : '';
    this.decodedLength = length;
    return [...this.fullWindowTexts, tail].filter(Boolean).join(' ');
  }

  private async decodeRange(start: number, end: number): Promise<string> {
    // A copy: appends may grow (replace) the buffer while the decode waits its turn.
    const result = await this.decoder.decode(this.buffer.slice(start, end), this.lang);
    this.decodes.push(result);
    if (this.state === 'closed') throw new Error('SttStream: the stream was closed while decoding');
    return result.text.trim();
  }

  private append(pcm: Int16Array): void {
    if (this.length + pcm.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, this.length + pcm.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    for (let i = 0; i < pcm.length; i++) this.buffer[this.length + i] = pcm[i]! / 32_768;
    this.length += pcm.length;
  }


}
