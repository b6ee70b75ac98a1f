import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';

/** A small JSON file in the app's data folder, validated when read; a damaged one reads as absent. */
export class JsonFile<T> {
  constructor(
    private readonly filePath: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  read(): T | undefined {
    if (!existsSync(this.filePath)) return undefined;
    try {
      const parsed = this.schema.safeParse(JSON.parse(readFileSync(this.filePath, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  write(value: T): void {
    const temporary = `${this.filePath}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.schema.parse(value), null, 2), { mode: 0o600 });
    renameSync(temporary, this.filePath);
  }
}
