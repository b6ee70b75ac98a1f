import type { WorkerConfig } from '../config.js';
import type { EngineDefinitionBase } from '../engines/EngineRegistry.js';
import type { ModelShelf } from '../engines/ModelShelf.js';
import type { EngineLog } from '../models/localModels.js';
import type { SttEngine } from './SttEngine.js';

export interface SttEngineContext {
  config: WorkerConfig;
  models: ModelShelf;
  log: EngineLog;
}

/** A speech recognition engine as the registry knows it. */
export interface SttEngineDefinition extends EngineDefinitionBase {
  /**
   * Writes punctuation and capitals itself (Whisper). Engines that give bare lower-case words get
   * Parley's clean-up: sentence case, "I", numbers, and punctuation from the pauses between words.
   */
  readonly punctuates: boolean;
  /** Preference under STT_ENGINE=auto, highest first among the engines that can run here. */
  readonly autoRank: number;
  /** Why it cannot run here (weights missing), as a sentence saying what to do; undefined when it can. */
  missing(context: SttEngineContext): string | undefined;
  /** Loads the engine; fails with a sentence saying what is missing. */
  create(context: SttEngineContext): Promise<SttEngine>;
}
