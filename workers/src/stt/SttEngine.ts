import type { LanguageCode } from '@parley/protocol';

/**
 * One utterance being recognised. Audio arrives in order as 16 kHz mono signed 16-bit PCM;
 * `partial` may be called between writes for interim captions; `finish` ends the utterance.
 */
export interface SttStream {
  write(pcm: Int16Array): Promise<void>;
  /** Best hypothesis for the audio written so far. */
  partial(): Promise<string>;
  /** Final text of the utterance; the stream accepts nothing after this. */
  finish(): Promise<string>;
  /** Frees the stream without a result (utterance abandoned). Idempotent. */
  close(): void;
}

export interface SttEngine {
  /** Short engine name shown to users, e.g. "pocketsphinx". */
  readonly name: string;
  readonly languages: readonly LanguageCode[];
  open(lang: LanguageCode): SttStream;
  /** Releases models and threads. Idempotent. */
  close(): Promise<void>;
}
