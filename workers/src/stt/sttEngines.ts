import { EngineRegistry } from '../engines/EngineRegistry.js';
import { pocketsphinxDefinition } from './engines/pocketsphinx.js';
import { whisperDefinition } from './engines/whisper.js';
import type { SttEngineDefinition } from './SttEngineDefinition.js';

export type SttEngineRegistry = EngineRegistry<SttEngineDefinition>;

/** Every speech recognition engine Parley has: one line each. */
export function sttEngines(): SttEngineRegistry {
  return new EngineRegistry<SttEngineDefinition>('speech recognition', [
    whisperDefinition,
    pocketsphinxDefinition,
  ]);
}
