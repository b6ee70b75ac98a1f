import type { TimedWord } from '../text/readableText.js';
import type { PocketsphinxDecoder, PocketsphinxSegment } from './PocketsphinxEngine.js';
import { SerialSttStream } from './SerialSttStream.js';
import type { PartialOptions } from './SttEngine.js';

/** pocketsphinx decodes 100 frames a second. */
const FRAMES_PER_SECOND = 100;

/**
 * Words of a segmentation, without <s>, </s>, <sil> and noise fillers (whose frames are the
 * pauses). Times count from the segmentation's own first frame: a reused decoder does not always
 * number frames from 0.
 */
function wordsOf(segments: PocketsphinxSegment[]): TimedWord[] {
  const origin = segments[0]?.startFrame ?? 0;
  return segments
    .filter((s) => !/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(s.word))
    .map((s) => ({ text: s.word, startSeconds: (s.startFrame - origin) / FRAMES_PER_SECOND, endSeconds: (s.endFrame + 1 - origin) / FRAMES_PER_SECOND }));
}

/** How a stream borrows a decoder from its engine's pool. */
export interface DecoderLender {
  acquire(): Promise<PocketsphinxDecoder>;
  /** Takes back a decoder that has no call in flight and no utterance open. */
  release(decoder: PocketsphinxDecoder): void;
  isClosed(): boolean;
}

/**
 * One utterance on a pooled pocketsphinx decoder.
 *
 * Calls are chained so each reaches the decoder only after the previous one settled: the addon
 * rejects overlapping calls, and callers (interim captions) do call partial() while a write is
 * still pending. The decoder is borrowed at the first non-empty write, so a stream that never
 * gets audio never waits on the pool.
 *
 * A complete partial (the speaker paused) is the text the final would be if the phrase ended
 * there: the decoder's lattice so far, best path rescored as at the end of an utterance
 * (pocketsphinx's mid-utterance hypothesis often differs from that in a word or two). The
 * utterance stays open: if the speaker goes on, decoding simply continues; if the phrase ends
 * there (no audio since), finish() gives that text at once and the decoder's utterance is closed
 * afterwards, off the caption's path.
 */
export class PocketsphinxEngineStream extends SerialSttStream {
  private decoder: PocketsphinxDecoder | undefined;
  private lastWords: TimedWord[] | undefined;
  /** The complete partial's text, while no audio has come since. */
  private checkpoint: { text: string; words: TimedWord[] } | undefined;

  constructor(private readonly lender: DecoderLender) {
    super();
  }

  write(pcm: Int16Array): Promise<void> {
    const refusal = this.writeRefusal(pcm);
    if (refusal) return Promise.reject(refusal);
    if (pcm.length === 0) return this.enqueue('write', async () => {});
    // The write may wait behind others, and the caller is free to reuse its buffer meanwhile.
    const samples = pcm.slice();
    return this.enqueue('write', async () => {
      const decoder = await this.borrow();
      this.checkpoint = undefined;
      await this.call(() => decoder.processRaw(samples));
    });
  }

  partial(options: PartialOptions = {}): Promise<string> {
    const refusal = this.refusal('partial');
    if (refusal) return Promise.reject(refusal);
    return this.enqueue('partial', async () => {
      const decoder = this.decoder;
      if (!decoder) return '';
      if (this.checkpoint) {
        this.lastWords = this.checkpoint.words;
        return this.checkpoint.text;
      }
      if (options.complete) {
        const rescored = decoder.canRescore ? await this.call(() => decoder.rescore()) : undefined;
        // No lattice yet (no word has ended), or an addon built without rescore(): the running hypothesis is all there is.
        const [text, segments] = rescored?.text.trim() ? [rescored.text, rescored.segments] : [decoder.partial(), decoder.segments()];
        this.lastWords = wordsOf(segments);
        this.checkpoint = { text, words: this.lastWords };
        return text;
      }
      const text = await this.call(() => decoder.partial());
      this.lastWords = wordsOf(decoder.segments());
      return text;
    });
  }

  words(): TimedWord[] | undefined {
    return this.lastWords;
  }

  finish(): Promise<string> {
    const refusal = this.refusal('finish');
    if (refusal) return Promise.reject(refusal);
    this.state = 'finishing';
    return this.enqueue('finish', async () => {
      const decoder = this.decoder;
      this.decoder = undefined;
      this.state = 'finished';
      if (!decoder) return '';
      if (this.checkpoint) {
        // The phrase ended at its pause: its text is known; the decoder closes the utterance after.
        this.lastWords = this.checkpoint.words;
        void this.closeUtterance(decoder);
        return this.checkpoint.text;
      }
      try {
        const text = await this.call(() => decoder.endUtt());
        this.lastWords = wordsOf(decoder.segments());
        return text;
      } finally {
        this.lender.release(decoder);
      }
    });
  }

  close(): void {
    if (this.state === 'finished' || this.state === 'closed') return;
    this.state = 'closed';
    // Calls already queued see the closed state and reject; the decoder goes back once they have.
    void this.tail.then(() => this.discard());
  }

  private async borrow(): Promise<PocketsphinxDecoder> {
    if (this.decoder) return this.decoder;
    const decoder = await this.lender.acquire();
    try {
      if (this.state === 'closed') throw new Error('SttStream.write: the stream was closed before a decoder became free');
      decoder.startUtt();
    } catch (error) {
      this.lender.release(decoder);
      throw this.explain(error);
    }
    this.decoder = decoder;
    return decoder;
  }

  /** Awaits a decoder call, rewording the addon's errors where the engine state explains them. */
  private async call<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.explain(error);
    }
  }

  private explain(error: unknown): unknown {
    if ((error as { code?: string }).code === 'ERR_DECODER_FREED' && this.lender.isClosed()) {
      return new Error('the pocketsphinx engine was closed while this utterance was being recognised', { cause: error });
    }
    return error;
  }

  /** Ends an abandoned utterance so the decoder returns to the pool clean. */
  private async discard(): Promise<void> {
    const decoder = this.decoder;
    if (!decoder) return;
    this.decoder = undefined;
    await this.closeUtterance(decoder);
  }

  /** Ends the decoder's utterance, its text unwanted, and gives the decoder back. */
  private async closeUtterance(decoder: PocketsphinxDecoder): Promise<void> {
    try {
      await decoder.endUtt();
    } catch {
      // The text is unwanted; a decoder that cannot end an utterance fails its next user loudly.
    }
    this.lender.release(decoder);
  }
}
