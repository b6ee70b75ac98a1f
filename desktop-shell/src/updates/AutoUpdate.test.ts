import { describe, expect, it } from 'vitest';
import { loadShellConfig } from '../config.js';
import type { ShellLog } from '../ShellLog.js';
import { FakeAutoUpdater } from '../testing/FakeElectron.js';
import { AutoUpdate } from './AutoUpdate.js';

function harness(env: NodeJS.ProcessEnv) {
  const updater = new FakeAutoUpdater();
  const warnings: string[] = [];
  let loads = 0;
  const log: ShellLog = { info: (m) => warnings.push(m), warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const update = new AutoUpdate(loadShellConfig(env), async () => (loads++, updater), log);
  return { update, updater, warnings, loads: () => loads };
}

describe('auto-update wiring (electron-updater injected: the Electron binary cannot run here)', () => {
  it('is off by default: electron-updater is not even loaded', async () => {
    const h = harness({});
    expect(await h.update.start(true)).toBe('off');
    expect(h.loads()).toBe(0);
    expect(h.updater.checks).toBe(0);
  });

  it('when turned on, checks the feed built into the app, downloading and installing on quit', async () => {
    const h = harness({ PARLEY_AUTO_UPDATE: 'true' });
    expect(await h.update.start(true)).toBe('on');
    expect(h.updater.feeds).toEqual([]);
    expect(h.updater.checks).toBe(1);
    expect(h.updater.autoDownload).toBe(true);
    expect(h.updater.autoInstallOnAppQuit).toBe(true);
  });

  it('uses the configured feed', async () => {
    const h = harness({ PARLEY_AUTO_UPDATE: '1', PARLEY_UPDATE_FEED_URL: 'https://updates.example.org/parley/' });
    await h.update.start(true);
    expect(h.updater.feeds).toEqual([{ provider: 'generic', url: 'https://updates.example.org/parley/' }]);
  });

  it('does not update a copy that was not installed, and reports a failed check without stopping', async () => {
    const dev = harness({ PARLEY_AUTO_UPDATE: 'yes' });
    expect(await dev.update.start(false)).toBe('not-installed');
    expect(dev.loads()).toBe(0);
    const offline = harness({ PARLEY_AUTO_UPDATE: 'on' });
    offline.updater.failCheckWith = new Error('net::ERR_INTERNET_DISCONNECTED');
    expect(await offline.update.start(true)).toBe('on');
    expect(offline.warnings).toEqual(['Update check failed: net::ERR_INTERNET_DISCONNECTED']);
    offline.updater.emit('error', new Error('bad signature'));
    expect(offline.warnings.at(-1)).toBe('Update check failed: bad signature');
  });
});
