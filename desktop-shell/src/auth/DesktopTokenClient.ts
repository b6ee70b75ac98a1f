import { apiErrorSchema, desktopTokenReplySchema, type DesktopTokenReply } from '@parley/protocol';
import { SignInError } from './SignInError.js';

/** Token replies are a few hundred bytes; a server sending more is not answering as Parley does. */
const MAX_REPLY_BYTES = 64 * 1024;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REPLY_BYTES) {
      await reader.cancel();
      throw new SignInError('bad-reply', 'The server sent an oversized answer to a sign-in request; check the server address.');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The app's side of Parley's desktop token routes (`/api/desktop/token`, `/revoke`): redeems the
 * one-time code with the PKCE verifier, rotates refresh tokens, revokes them. No cookies.
 */
export class DesktopTokenClient {
  constructor(
    private readonly serverOrigin: string,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly timeoutMs = 15_000,
  ) {}

  redeemCode(code: string, codeVerifier: string, redirectUri: string): Promise<DesktopTokenReply> {
    return this.tokenRequest({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: redirectUri });
  }

  /** The old refresh token stops working; keep the new one from the reply. */
  refresh(refreshToken: string): Promise<DesktopTokenReply> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** Ends the sign-in on the server: its refresh token and its session (and so the window's cookie) stop working. */
  async revoke(refreshToken: string): Promise<void> {
    const response = await this.post('/api/desktop/revoke', { token: refreshToken });
    await readCapped(response);
    if (!response.ok) throw new SignInError('rejected', `The server did not sign this app out (HTTP ${response.status}); try again.`);
  }

  private async tokenRequest(body: object): Promise<DesktopTokenReply> {
    const response = await this.post('/api/desktop/token', body);
    const text = await readCapped(response);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SignInError('bad-reply', `The server answered the sign-in with something other than JSON (HTTP ${response.status}); check that the address is a Parley server.`);
    }
    if (!response.ok) {
      const error = apiErrorSchema.safeParse(json);
      const sentence = error.success ? error.data.error.slice(0, 300) : `HTTP ${response.status}`;
      throw new SignInError(response.status === 429 ? 'unreachable' : 'rejected', `The server refused the sign-in: ${sentence}`);
    }
    const reply = desktopTokenReplySchema.safeParse(json);
    if (!reply.success) throw new SignInError('bad-reply', 'The server’s sign-in answer was not in the form Parley uses; update the app or the server.');
    return reply.data;
  }

  private async post(path: string, body: object): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.serverOrigin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new SignInError('unreachable', timedOut ? `${this.serverOrigin} did not answer within ${this.timeoutMs / 1000} seconds; try again.` : `Could not reach ${this.serverOrigin}; check your connection and try again.`);
    }
  }
}
