// The preload bridge's contract, shared by the preload script (renderer side) and the main process.
// Kept to what the app's own first-run page and the server's web app need, nothing that reaches Node.
import type { User } from '@parley/protocol';
import type { SignInFailure } from './auth/SignInError.js';
import type { ServerCheck } from './ServerAddress.js';

export const BRIDGE_GLOBAL = 'parleyDesktop';

export const CHANNELS = {
  firstRunInfo: 'parley:first-run-info',
  checkServer: 'parley:check-server',
  useServer: 'parley:use-server',
  signIn: 'parley:sign-in',
  signOut: 'parley:sign-out',
} as const;

export interface FirstRunInfo {
  /** What the address field starts with: the saved server, or the one an administrator set. */
  suggestedServer: string;
  version: string;
}

export type SignInResult = { ok: true; user: User } | { ok: false; reason: SignInFailure | 'unexpected'; error: string };

/** `window.parleyDesktop` in the app's pages. Each call is allowed only from the page it is for. */
export interface ParleyDesktopBridge {
  readonly isDesktop: true;
  /** First-run page only. */
  firstRunInfo(): Promise<FirstRunInfo>;
  /** First-run page only: is there a Parley server at this address? */
  checkServer(address: string): Promise<ServerCheck>;
  /** First-run page only: checks, then saves the server and opens it. */
  useServer(address: string): Promise<ServerCheck>;
  /** The server's pages only: sign in through the system browser. */
  signIn(): Promise<SignInResult>;
  /** The server's pages only: revoke the sign-in and forget it. */
  signOut(): Promise<{ revoked: boolean }>;
}
