import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base } from '@playwright/test';
import { ParleyStack } from '../scripts/lib/ParleyStack.js';

const BUILT_WEB_APP = fileURLToPath(new URL('../web/dist', import.meta.url));

/**
 * One Parley stack (offline engines) for every spec that needs no special configuration: starting
 * Redis, apertium, the sfu, the workers and the transcript writer takes most of a minute, so the
 * specs that run in the same Playwright worker share it. It serves a copy of the built web app
 * (`webDir`), so a test can deploy a "new version" without touching web/dist.
 */
export const test = base.extend<object, { webDir: string; stack: ParleyStack }>({
  webDir: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-web-'));
      cpSync(BUILT_WEB_APP, dir, { recursive: true });
      try {
        await use(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: 'worker' },
  ],
  stack: [
    async ({ webDir }, use) => {
      // Its own database too: kept transcripts of earlier runs never show up in these tests.
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-data-'));
      const stack = await new ParleyStack({
        offlineEngines: true,
        logDir: 'test-results/e2e/shared-stack-logs',
        env: { WEB_DIST_DIR: webDir, DATABASE_URL: `sqlite:${join(dataDir, 'parley.db')}` },
      }).start();
      try {
        await use(stack);
      } finally {
        await stack.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 180_000 },
  ],
});

export { expect } from '@playwright/test';
