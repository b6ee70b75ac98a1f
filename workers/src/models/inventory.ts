import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogEntry } from './catalogEntry.js';

/** `complete`: every file in place; `partial`: a pull started (or was interrupted); `absent`: nothing. */
export type ModelState = 'complete' | 'partial' | 'absent';

/** Suffix of a file still being downloaded; it is renamed into place only once verified. */
export const PART_SUFFIX = '.part';

export function modelDir(modelsDir: string, entry: Pick<CatalogEntry, 'name'>): string {
  return join(modelsDir, entry.name);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function modelState(modelsDir: string, entry: CatalogEntry): ModelState {
  const dir = modelDir(modelsDir, entry);
  if (!existsSync(dir)) return 'absent';
  const present = entry.files.filter((f) => isFile(join(dir, f.path))).length;
  if (present === entry.files.length) return 'complete';
  const started = present > 0 || entry.files.some((f) => isFile(join(dir, f.path + PART_SUFFIX)));
  return started || readdirSync(dir).length > 0 ? 'partial' : 'absent';
}

/** The state of every catalogued model in `modelsDir`, by name. */
export function scanModels(modelsDir: string, catalog: readonly CatalogEntry[]): Map<string, ModelState> {
  return new Map(catalog.map((entry) => [entry.name, modelState(modelsDir, entry)]));
}
