import { join } from 'node:path';
import type { Rectangle } from 'electron';
import { z } from 'zod';
import { JsonFile } from './JsonFile.js';

const windowStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const DEFAULT_WINDOW_SIZE = { width: 1100, height: 760 } as const;
/** At least this much of the window must be on a screen, or it opens at the default place instead. */
const MIN_VISIBLE_PX = 100;

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** Where the window was and how big, kept in window-state.json; a place on a screen no longer attached is not reused. */
export class WindowStateStore {
  private readonly file: JsonFile<WindowState>;

  constructor(dataDir: string) {
    this.file = new JsonFile(join(dataDir, 'window-state.json'), windowStateSchema);
  }

  /** The bounds to open with (none: let the system place it), and whether to maximize. */
  initial(workAreas: readonly Rectangle[]): { bounds: Partial<Rectangle>; maximized: boolean } {
    const saved = this.file.read();
    if (!saved) return { bounds: { ...DEFAULT_WINDOW_SIZE }, maximized: false };
    const visible = workAreas.some((area) => {
      const o = overlap(saved, area);
      return o.width >= MIN_VISIBLE_PX && o.height >= MIN_VISIBLE_PX;
    });
    const bounds = visible ? { x: saved.x, y: saved.y, width: saved.width, height: saved.height } : { width: saved.width, height: saved.height };
    return { bounds, maximized: saved.maximized };
  }

  /** `bounds`: the normal (not maximized) bounds, so un-maximizing after a restart goes back to them. */
  save(bounds: Rectangle, maximized: boolean): void {
    const rounded = { x: Math.round(bounds.x), y: Math.round(bounds.y), width: Math.round(bounds.width), height: Math.round(bounds.height) };
    const parsed = windowStateSchema.safeParse({ ...rounded, maximized });
    if (parsed.success) this.file.write(parsed.data);
  }
}
