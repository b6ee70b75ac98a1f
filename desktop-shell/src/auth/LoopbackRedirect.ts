import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sameSecret } from './Pkce.js';
import { SignInError } from './SignInError.js';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The page loads nothing, and the code in its URL must not travel on in a Referer.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d2433}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

/**
 * The app's end of an RFC 8252 loopback redirect: an HTTP listener on 127.0.0.1 at a port the OS
 * picks, answering `/callback` once. A callback whose state differs from the one this attempt sent
 * ends the attempt (it is someone else's code, or a forged one); nothing else on the port counts.
 */
export class LoopbackRedirect {
  private settled = false;
  private waiter: { resolve: (code: string) => void; reject: (error: Error) => void } | undefined;
  /** The outcome, when the callback came before anyone waited for it. */
  private early: string | SignInError | undefined;

  private readonly server: Server;
  /** The port the OS picked; 0 until listening. */
  port = 0;

  private constructor(private readonly expectedState: string) {
    this.server = createServer((req, res) => this.onRequest(req, res));
  }

  /** Listens for the callback of the attempt that sent `state`. */
  static async open(state: string): Promise<LoopbackRedirect> {
    const redirect = new LoopbackRedirect(state);
    await new Promise<void>((resolve, reject) => {
      redirect.server.once('error', reject);
      redirect.server.listen(0, '127.0.0.1', () => resolve());
    });
    redirect.port = (redirect.server.address() as AddressInfo).port;
    return redirect;
  }

  get redirectUri(): string {
    return `http://127.0.0.1:${this.port}/callback`;
  }

  /** Resolves with the one-time code of the callback that carries the state; rejects on anything else or after timeoutMs. */
  waitForCode(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const early = this.early;
    if (early !== undefined) return typeof early === 'string' ? Promise.resolve(early) : Promise.reject(early);
    if (this.settled) return Promise.reject(new SignInError('cancelled', 'Sign-in was stopped.'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        const seconds = Math.ceil(timeoutMs / 1000);
        const span = seconds >= 120 ? `${Math.round(seconds / 60)} minutes` : `${seconds} second${seconds === 1 ? '' : 's'}`;
        this.finish(new SignInError('timeout', `The browser did not come back from sign-in within ${span}; sign in again.`));
      }, timeoutMs);
      const onAbort = () => this.finish(new SignInError('cancelled', 'This sign-in was replaced by a newer one.'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve: (code) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(code);
        },
        reject: (error) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      if (signal?.aborted) onAbort();
    });
  }

  /** Idempotent; stops listening at once. */
  close(): void {
    if (!this.settled) this.finish(new SignInError('cancelled', 'Sign-in was stopped.'));
    this.server.close();
    this.server.closeAllConnections();
  }

  private finish(outcome: string | SignInError): void {
    if (this.settled) return;
    this.settled = true;
    if (!this.waiter) {
      this.early = outcome;
      return;
    }
    if (typeof outcome === 'string') this.waiter.resolve(outcome);
    else this.waiter.reject(outcome);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const answer = (status: number, title: string, text: string) => {
      res.writeHead(status, { ...PAGE_HEADERS, connection: 'close' }).end(page(title, text));
    };
    // A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) sends its own Host.
    if (req.headers.host !== `127.0.0.1:${this.port}`) return answer(400, 'Wrong address', 'This address only answers the Parley app.');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (req.method !== 'GET' || url.pathname !== '/callback') return answer(404, 'Not found', 'Nothing here.');
    if (this.settled) return answer(410, 'Sign-in finished', 'This sign-in is over. Go back to the Parley app, and sign in again from there if you need to.');
    const state = url.searchParams.get('state') ?? '';
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (!sameSecret(state, this.expectedState)) {
      this.finish(new SignInError('state-mismatch', 'The sign-in response did not belong to the sign-in Parley started, so it was refused; sign in again.'));
      return answer(400, 'Sign-in refused', 'This response does not belong to the sign-in the Parley app started. Go back to the app and sign in again.');
    }
    if (error || !code) {
      this.finish(new SignInError('denied', `The server did not sign you in (${(error ?? 'no code').slice(0, 100)}); sign in again.`));
      return answer(400, 'Not signed in', 'The server did not sign you in. Go back to the Parley app and try again.');
    }
    this.finish(code);
    answer(200, 'Signed in to Parley', 'You can close this tab and go back to the Parley app.');
  }
}
