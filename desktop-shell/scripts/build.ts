// Bundles the desktop app into dist/: the main process and the preload script as CommonJS for
// Electron (every dependency inside, so the packaged app carries no node_modules), the first-run
// page's script for the browser, and the page's static files with the icon.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Electron 39 runs Node 22 in the main process and Chromium 142 in pages. */
const MAIN_TARGET = 'node22';
const PAGE_TARGET = 'chrome140';

export async function buildDesktopShell(outDir = join(ROOT, 'dist')): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'static'), { recursive: true });
  const common = { bundle: true, logLevel: 'warning', legalComments: 'none', sourcemap: false } as const;
  await Promise.all([
    build({ ...common, entryPoints: [join(ROOT, 'src/main.ts')], outfile: join(outDir, 'main.cjs'), platform: 'node', format: 'cjs', target: MAIN_TARGET, external: ['electron'] }),
    // A sandboxed preload may require only 'electron'.
    build({ ...common, entryPoints: [join(ROOT, 'src/preload.ts')], outfile: join(outDir, 'preload.cjs'), platform: 'node', format: 'cjs', target: MAIN_TARGET, external: ['electron'] }),
    build({ ...common, entryPoints: [join(ROOT, 'src/renderer/firstRun.ts')], outfile: join(outDir, 'static/first-run.js'), platform: 'browser', format: 'iife', target: PAGE_TARGET }),
  ]);
  for (const file of readdirSync(join(ROOT, 'static'))) copyFileSync(join(ROOT, 'static', file), join(outDir, 'static', file));
  copyFileSync(join(ROOT, 'assets/icon.png'), join(outDir, 'static/icon.png'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildDesktopShell(process.argv[2]);
}
