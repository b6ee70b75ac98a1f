import type { DesktopTokenReply, User } from '@parley/protocol';
import type { ShellModule } from '../electron/ElectronModules.js';
import type { ShellLog } from '../ShellLog.js';
import { DesktopTokenClient, type FetchLike } from './DesktopTokenClient.js';
import { SignInError } from './SignInError.js';
import { SystemBrowserSignIn } from './SystemBrowserSignIn.js';
import type { TokenVault } from './TokenVault.js';
import type { WindowSession } from './WindowSession.js';

export interface AccountControllerOptions {
  shell: ShellModule;
  vault: TokenVault;
  /** The window's session, for a server. */
  windowSession: (serverOrigin: string) => WindowSession;
  signInTimeoutMs: number;
  log: ShellLog;
  fetchImpl?: FetchLike;
}

export interface SignOutResult {
  /** False when the server could not be told (offline): the sign-in is gone from this computer all the same. */
  revoked: boolean;
}

/** The app's sign-in: starting one in the system browser, keeping it across runs, ending it. */
export class AccountController {
  private attempt: AbortController | undefined;

  constructor(private readonly options: AccountControllerOptions) {}

  /** Who is signed in to `serverOrigin`, as far as this computer knows. */
  signedInUser(serverOrigin: string): User | undefined {
    const stored = this.options.vault.load();
    return stored?.serverOrigin === serverOrigin ? stored.user : undefined;
  }

  /** Signs in through the system browser; a newer call cancels an older one still waiting. */
  async signIn(serverOrigin: string): Promise<User> {
    this.attempt?.abort();
    const attempt = new AbortController();
    this.attempt = attempt;
    try {
      const reply = await new SystemBrowserSignIn({
        shell: this.options.shell,
        serverOrigin,
        tokens: this.tokens(serverOrigin),
        timeoutMs: this.options.signInTimeoutMs,
      }).run(attempt.signal);
      await this.adopt(serverOrigin, reply);
      return reply.user;
    } finally {
      if (this.attempt === attempt) this.attempt = undefined;
    }
  }

  /**
   * At start: swaps the kept refresh token for fresh tokens and signs the window in again. A token
   * the server refuses is forgotten; an unreachable server leaves it for next time.
   */
  async restore(serverOrigin: string): Promise<User | undefined> {
    const stored = this.options.vault.load();
    if (!stored) return undefined;
    if (stored.serverOrigin !== serverOrigin) {
      await this.signOut();
      return undefined;
    }
    try {
      const reply = await this.tokens(serverOrigin).refresh(stored.refreshToken);
      await this.adopt(serverOrigin, reply);
      return reply.user;
    } catch (error) {
      if (error instanceof SignInError && error.reason === 'rejected') {
        this.options.vault.clear();
        await this.options.windowSession(serverOrigin).clear();
        return undefined;
      }
      this.options.log.warn(`Could not renew the sign-in: ${(error as Error).message}`);
      return stored.user;
    }
  }

  /** Revokes the sign-in on the server, forgets its tokens and clears the window's cookies. */
  async signOut(fallbackOrigin?: string): Promise<SignOutResult> {
    this.attempt?.abort();
    const stored = this.options.vault.load();
    this.options.vault.clear();
    let revoked = true;
    if (stored) {
      try {
        await this.tokens(stored.serverOrigin).revoke(stored.refreshToken);
      } catch (error) {
        revoked = false;
        this.options.log.warn(`Signed out on this computer, but the server was not told: ${(error as Error).message}`);
      }
    }
    const origin = stored?.serverOrigin ?? fallbackOrigin;
    if (origin) await this.options.windowSession(origin).clear();
    return { revoked };
  }

  private async adopt(serverOrigin: string, reply: DesktopTokenReply): Promise<void> {
    const kept = this.options.vault.save({ serverOrigin, refreshToken: reply.refresh_token, user: reply.user });
    if (!kept) this.options.log.warn('This computer offers no encrypted storage, so the sign-in is kept for this run only.');
    await this.options.windowSession(serverOrigin).signIn(reply.access_token);
  }

  private tokens(serverOrigin: string): DesktopTokenClient {
    return new DesktopTokenClient(serverOrigin, this.options.fetchImpl);
  }
}
