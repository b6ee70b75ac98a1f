import type { LanguageCode } from '@parley/protocol';
import type { WorkerConfig } from '../config.js';
import type { EngineDefinitionBase } from '../engines/EngineRegistry.js';
import type { ModelShelf } from '../engines/ModelShelf.js';
import type { EngineLog } from '../models/localModels.js';
import type { MtEngine } from './MtEngine.js';

export interface MtEngineContext {
  config: WorkerConfig;
  models: ModelShelf;
  log: EngineLog;
}

/** How well an engine serves one direction here; `auto` takes the best. */
export interface MtRoute {
  /** Higher is better: a direct neural model over a pivot through English over rules. */
  quality: number;
}

/** An engine that can run here, with the pairs it serves; loading its models waits for `create`. */
export interface PreparedMtEngine {
  route(from: LanguageCode, to: LanguageCode): MtRoute | undefined;
  create(): Promise<MtEngine>;
}

/** A translation engine as the registry knows it. */
export interface MtEngineDefinition extends EngineDefinitionBase {
  /**
   * Finds out cheaply (no model loading) which pairs it can serve here, or says in a sentence why
   * it cannot run (no weights, server not answering).
   */
  prepare(context: MtEngineContext): Promise<PreparedMtEngine | { unavailable: string }>;
}
