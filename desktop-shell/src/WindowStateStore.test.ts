import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_SIZE, WindowStateStore } from './WindowStateStore.js';

const SCREEN = { x: 0, y: 0, width: 1920, height: 1040 };

describe('window state', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'parley-window-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens at the default size the first time', () => {
    expect(new WindowStateStore(dir).initial([SCREEN])).toEqual({ bounds: { ...DEFAULT_WINDOW_SIZE }, maximized: false });
  });

  it('remembers where the window was, how big, and whether maximized', () => {
    new WindowStateStore(dir).save({ x: 200.4, y: 150, width: 900, height: 700 }, true);
    expect(new WindowStateStore(dir).initial([SCREEN])).toEqual({ bounds: { x: 200, y: 150, width: 900, height: 700 }, maximized: true });
  });

  it('does not reopen on a screen that is gone, but keeps the size', () => {
    new WindowStateStore(dir).save({ x: 2500, y: 100, width: 900, height: 700 }, false);
    expect(new WindowStateStore(dir).initial([SCREEN])).toEqual({ bounds: { width: 900, height: 700 }, maximized: false });
    const secondScreen = { x: 1920, y: 0, width: 1920, height: 1040 };
    expect(new WindowStateStore(dir).initial([SCREEN, secondScreen]).bounds).toEqual({ x: 2500, y: 100, width: 900, height: 700 });
  });

  it('ignores a damaged or hostile file', () => {
    writeFileSync(join(dir, 'window-state.json'), '{"x":0,"y":0,"width":-5,"height":1e9,"maximized":"yes"}');
    expect(new WindowStateStore(dir).initial([SCREEN]).bounds).toEqual({ ...DEFAULT_WINDOW_SIZE });
    writeFileSync(join(dir, 'window-state.json'), 'not json');
    expect(new WindowStateStore(dir).initial([SCREEN]).bounds).toEqual({ ...DEFAULT_WINDOW_SIZE });
  });
});
