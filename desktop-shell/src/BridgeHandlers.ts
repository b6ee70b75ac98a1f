import { z } from 'zod';
import { CHANNELS, type FirstRunInfo, type SignInResult } from './bridge.js';
import type { IpcMainModule } from './electron/ElectronModules.js';
import type { ServerCheck } from './ServerAddress.js';

/** What the bridge's calls do; DesktopShell implements it. */
export interface BridgeTarget {
  firstRunInfo(): FirstRunInfo;
  checkServer(address: string): Promise<ServerCheck>;
  useServer(address: string): Promise<ServerCheck>;
  signIn(): Promise<SignInResult>;
  signOut(): Promise<{ revoked: boolean }>;
  /** Whether a frame URL is the app's own first-run page. */
  isFirstRunPage(url: string): boolean;
  /** Whether a frame URL is on the configured server. */
  isServerPage(url: string): boolean;
}

/** The frame that called, as Electron describes it (null once it is gone). */
export interface CallingFrame {
  senderFrame: { url: string; parent: unknown } | null;
}

const addressSchema = z.string().max(2048);

export class BridgeRefusedError extends Error {
  override readonly name = 'BridgeRefusedError';
}

/**
 * The main-process end of the preload bridge. Every call is checked against the page that made it:
 * a top frame on the first-run page for server choice, on the configured server for sign-in, so
 * a page elsewhere (or a frame inside one) gets nothing even if it reaches the bridge.
 */
export class BridgeHandlers {
  constructor(
    private readonly ipcMain: IpcMainModule,
    private readonly target: BridgeTarget,
  ) {}

  register(): void {
    const t = this.target;
    const firstRun = (url: string) => t.isFirstRunPage(url);
    const server = (url: string) => t.isServerPage(url);
    this.handle(CHANNELS.firstRunInfo, firstRun, () => t.firstRunInfo());
    this.handle(CHANNELS.checkServer, firstRun, (address) => t.checkServer(addressSchema.parse(address)));
    this.handle(CHANNELS.useServer, firstRun, (address) => t.useServer(addressSchema.parse(address)));
    this.handle(CHANNELS.signIn, server, () => t.signIn());
    this.handle(CHANNELS.signOut, server, () => t.signOut());
  }

  private handle(channel: string, allowed: (url: string) => boolean, run: (...args: unknown[]) => unknown): void {
    this.ipcMain.handle(channel, (event: CallingFrame, ...args: unknown[]) => {
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null || !allowed(frame.url)) {
        throw new BridgeRefusedError(`${channel} is not available to this page.`);
      }
      return run(...args);
    });
  }
}
