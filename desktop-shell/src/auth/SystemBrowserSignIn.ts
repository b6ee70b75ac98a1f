import type { DesktopTokenReply } from '@parley/protocol';
import type { ShellModule } from '../electron/ElectronModules.js';
import type { DesktopTokenClient } from './DesktopTokenClient.js';
import { LoopbackRedirect } from './LoopbackRedirect.js';
import { newPkcePair, type PkcePair } from './Pkce.js';
import { SignInError } from './SignInError.js';

/** The page the system browser opens: Parley's desktop authorization, which signs in through Google (or the OpenID provider) when needed. */
export function authorizeUrl(serverOrigin: string, redirectUri: string, pkce: Pick<PkcePair, 'challenge' | 'state'>): string {
  const query = new URLSearchParams({ redirect_uri: redirectUri, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: pkce.state });
  return `${serverOrigin}/auth/desktop/authorize?${query}`;
}

export interface SystemBrowserSignInOptions {
  shell: ShellModule;
  serverOrigin: string;
  tokens: DesktopTokenClient;
  timeoutMs: number;
}

/**
 * One sign-in as RFC 8252 has native apps do it: the system browser (never a view inside the app)
 * opens the server's sign-in with a loopback redirect, PKCE S256 and state; the one-time code that
 * comes back is redeemed with the verifier. The app never sees a Google credential or password.
 */
export class SystemBrowserSignIn {
  constructor(private readonly options: SystemBrowserSignInOptions) {}

  async run(signal?: AbortSignal): Promise<DesktopTokenReply> {
    const pkce = newPkcePair();
    const loopback = await LoopbackRedirect.open(pkce.state);
    try {
      const code = loopback.waitForCode(this.options.timeoutMs, signal);
      // Waiting starts first, so that a browser quicker than openExternal's promise is not missed.
      code.catch(() => undefined);
      try {
        await this.options.shell.openExternal(authorizeUrl(this.options.serverOrigin, loopback.redirectUri, pkce));
      } catch {
        throw new SignInError('unreachable', 'Could not open the web browser for sign-in; check that Windows has a default browser.');
      }
      return await this.options.tokens.redeemCode(await code, pkce.verifier, loopback.redirectUri);
    } finally {
      loopback.close();
    }
  }
}
