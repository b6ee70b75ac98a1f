import type { CatalogEntry } from '../models/catalogEntry.js';
import { modelDir, modelState } from '../models/inventory.js';

/** Which catalogued weights are usable in MODELS_DIR. */
export interface ModelShelf {
  /** True once every file of the named model is in place. */
  complete(name: string): boolean;
  /** Where the named model lives (or would). */
  dir(name: string): string;
}

export function modelShelf(modelsDir: string, catalog: readonly CatalogEntry[]): ModelShelf {
  const byName = new Map(catalog.map((entry) => [entry.name, entry]));
  return {
    complete: (name) => {
      const entry = byName.get(name);
      return entry !== undefined && modelState(modelsDir, entry) === 'complete';
    },
    dir: (name) => modelDir(modelsDir, { name }),
  };
}
