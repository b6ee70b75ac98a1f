import type { EngineDefinitionBase, EngineRegistry } from '../engines/EngineRegistry.js';
import { mtEngines } from '../mt/mtEngines.js';
import { sttEngines } from '../stt/sttEngines.js';
import type { CatalogEntry } from './catalogEntry.js';

export type { CatalogEntry, CatalogFile } from './catalogEntry.js';

/** Every model the registered engines declare, speech recognition first. */
export function catalogOf(...registries: EngineRegistry<EngineDefinitionBase>[]): CatalogEntry[] {
  return registries.flatMap((registry) => registry.all.flatMap((definition) => definition.models));
}

/** Models `npm run models -- pull <name>` can fetch. */
export const CATALOG: readonly CatalogEntry[] = catalogOf(sttEngines(), mtEngines());

export function catalogEntry(name: string, catalog: readonly CatalogEntry[] = CATALOG): CatalogEntry | undefined {
  return catalog.find((entry) => entry.name === name);
}
