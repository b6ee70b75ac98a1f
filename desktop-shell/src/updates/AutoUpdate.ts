import type { ShellConfig } from '../config.js';
import type { AutoUpdaterLike } from '../electron/ElectronModules.js';
import type { ShellLog } from '../ShellLog.js';

export type AutoUpdateState = 'off' | 'not-installed' | 'on';

/**
 * electron-updater, only when PARLEY_AUTO_UPDATE turns it on: an update is a program this computer
 * runs, so the default is to leave updating to whoever installs the app. The feed is the one built
 * into the app (the releases it was published with) unless PARLEY_UPDATE_FEED_URL names another.
 */
export class AutoUpdate {
  constructor(
    private readonly config: Pick<ShellConfig, 'PARLEY_AUTO_UPDATE' | 'PARLEY_UPDATE_FEED_URL'>,
    private readonly loadAutoUpdater: () => Promise<AutoUpdaterLike>,
    private readonly log: ShellLog,
  ) {}

  /** `installed`: running from an installer (electron-updater cannot update a development copy). */
  async start(installed: boolean): Promise<AutoUpdateState> {
    if (!this.config.PARLEY_AUTO_UPDATE) return 'off';
    if (!installed) {
      this.log.info('Automatic updates are on, but this copy was not installed from the setup program, so it is not updated.');
      return 'not-installed';
    }
    const updater = await this.loadAutoUpdater();
    updater.autoDownload = true;
    updater.autoInstallOnAppQuit = true;
    if (this.config.PARLEY_UPDATE_FEED_URL) updater.setFeedURL({ provider: 'generic', url: this.config.PARLEY_UPDATE_FEED_URL });
    updater.on('error', (error) => this.log.warn(`Update check failed: ${error.message}`));
    // A failed check (offline) is reported and retried at the next start; the app works on.
    await updater.checkForUpdatesAndNotify().catch((error: Error) => this.log.warn(`Update check failed: ${error.message}`));
    return 'on';
  }
}
