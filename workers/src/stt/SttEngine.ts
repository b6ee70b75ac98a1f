import type { LanguageCode } from '@parley/protocol';
import type { TimedWord } from '../text/readableText.js';

export interface PartialOptions {
  /**
   * The speaker has paused: give the best text for everything written so far, not only the part
   * that is unlikely to change (engines that re-decode the whole buffer decode it now).
   */
  complete?: boolean;
}

/**
 * One utterance being recognised. Audio arrives in order as 16 kHz mono signed 16-bit PCM;
 * `partial` may be called between writes for interim captions; `finish` ends the utterance.
 */
export interface SttStream {
  write(pcm: Int16Array): Promise<void>;
  /** Best hypothesis for the audio written so far. */
  partial(options?: PartialOptions): Promise<string>;
  /** Final text of the utterance; the stream accepts nothing after this. */
  finish(): Promise<string>;
  /** Frees the stream without a result (utterance abandoned). Idempotent. */
  close(): void;
  /**
   * The words of the text the last partial() or finish() gave, with their times from the start of
   * the utterance; undefined from engines that have no word timings.
   */
  words?(): TimedWord[] | undefined;
}

export interface SttEngine {
  /** Short engine name shown to users, e.g. "pocketsphinx". */
  readonly name: string;
  readonly languages: readonly LanguageCode[];
  open(lang: LanguageCode): SttStream;
  /**
   * Every word the engine can write, for engines with a fixed vocabulary (pocketsphinx's
   * pronunciation dictionary); the readable-text clean-up finds the names among them.
   */
  vocabulary?(): Promise<string[]>;
  /** Releases models and threads. Idempotent. */
  close(): Promise<void>;
}
