import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile } from './JsonFile.js';

const settingsSchema = z.object({
  /** The origin the app opens, checked against its health route when it was chosen. */
  serverOrigin: z.url().optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

/** The person's choices, kept in settings.json in the app's data folder. */
export class SettingsStore {
  private readonly file: JsonFile<Settings>;
  private current: Settings;

  constructor(dataDir: string) {
    this.file = new JsonFile(join(dataDir, 'settings.json'), settingsSchema);
    this.current = this.file.read() ?? {};
  }

  get serverOrigin(): string | undefined {
    return this.current.serverOrigin;
  }

  setServerOrigin(origin: string): void {
    this.current = { ...this.current, serverOrigin: origin };
    this.file.write(this.current);
  }
}
