import type { LanguageCode } from '@parley/protocol';

export interface MtEngine {
  /** Short engine name shown to users, e.g. "apertium". */
  readonly name: string;
  /** Whether this engine can translate from → to (directly or through a pivot). */
  supports(from: LanguageCode, to: LanguageCode): boolean;
  translate(text: string, from: LanguageCode, to: LanguageCode): Promise<string>;
  /** The engine that serves from → to, for engines that hand pairs to others; `name` otherwise. */
  nameFor?(from: LanguageCode, to: LanguageCode): string;
  close(): Promise<void>;
}

/** A translation that failed in a way worth retrying (engine busy, restarting). */
export class MtError extends Error {
  override name = 'MtError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
