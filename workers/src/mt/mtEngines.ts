import { EngineRegistry } from '../engines/EngineRegistry.js';
import { apertiumDefinition } from './engines/apertium.js';
import { marianDefinition } from './engines/marian.js';
import { nllbDefinition } from './engines/nllb.js';
import type { MtEngineDefinition } from './MtEngineDefinition.js';

export type MtEngineRegistry = EngineRegistry<MtEngineDefinition>;

/** Every translation engine Parley has: one line each. */
export function mtEngines(): MtEngineRegistry {
  return new EngineRegistry<MtEngineDefinition>('translation', [
    marianDefinition,
    nllbDefinition,
    apertiumDefinition,
  ]);
}
