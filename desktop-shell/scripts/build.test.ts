import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDesktopShell } from './build.js';

const run = promisify(execFile);
const STUB = fileURLToPath(new URL('../src/testing/electronStub.ts', import.meta.url));

function requiresOf(file: string): string[] {
  return [...new Set([...readFileSync(file, 'utf8').matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2]!))].sort();
}

describe('the bundled app', () => {
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'parley-desktop-dist-'));
    await buildDesktopShell(out);
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('needs nothing but Electron and Node’s own modules (no node_modules in the installer)', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(requiresOf(join(out, 'main.cjs')).filter((m) => m !== 'electron' && !builtins.has(m))).toEqual([]);
    expect(requiresOf(join(out, 'main.cjs'))).toContain('electron');
    // A sandboxed preload can require nothing else.
    expect(requiresOf(join(out, 'preload.cjs'))).toEqual(['electron']);
    expect(requiresOf(join(out, 'static/first-run.js'))).toEqual([]);
    expect(readdirSync(join(out, 'static')).sort()).toEqual(['first-run.css', 'first-run.html', 'first-run.js', 'icon.png']);
  });

  it('exposes only the bridge’s five calls to pages', () => {
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
    expect(preload).toContain('exposeInMainWorld');
    expect([...preload.matchAll(/"parley:[a-z-]+"/g)].map((m) => m[0]).sort()).toEqual(['"parley:check-server"', '"parley:first-run-info"', '"parley:sign-in"', '"parley:sign-out"', '"parley:use-server"']);
  });

  it('starts, and opens the first-run page in a secure window (Electron’s APIs injected: the Electron binary cannot run here)', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'parley-desktop-user-'));
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(STUB).href, join(out, 'main.cjs')], {
        env: { ...process.env, PARLEY_STUB_USER_DATA: userData, PARLEY_AUTO_UPDATE: 'false' },
        timeout: 30_000,
      });
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: string; webPreferences: Record<string, unknown>; icon: string; channels: string[] };
      expect(report.loaded).toBe(pathToFileURL(join(out, 'static/first-run.html')).href);
      expect(report.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: join(out, 'preload.cjs') });
      expect(existsSync(report.icon)).toBe(true);
      expect(report.channels.sort()).toEqual(['parley:check-server', 'parley:first-run-info', 'parley:sign-in', 'parley:sign-out', 'parley:use-server']);
    } finally {
      rmSync(userData, { recursive: true, force: true });
    }
  });
});
