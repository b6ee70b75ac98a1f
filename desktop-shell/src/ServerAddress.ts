import { z } from 'zod';
import type { FetchLike } from './auth/DesktopTokenClient.js';

export type ServerCheck = { ok: true; origin: string } | { ok: false; error: string };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const healthSchema = z.object({ ok: z.literal(true) });

/**
 * Reads what a person typed as a server address into an origin. https:// is required except on
 * this computer: Chromium gives the microphone only to secure origins, and loopback counts as one.
 */
export function parseServerAddress(input: string): ServerCheck {
  const trimmed = input.trim();
  if (!trimmed) return { ok: false, error: 'Enter the address of your Parley server, for example https://parley.example.org.' };
  if (trimmed.length > 2048) return { ok: false, error: 'That address is too long to be a server address.' };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, error: 'That is not a web address; enter one like https://parley.example.org.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, error: 'Enter an https:// address.' };
  if (url.username || url.password) return { ok: false, error: 'Leave the name and password out of the address; you sign in after connecting.' };
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return { ok: false, error: 'Use the server’s https:// address: the microphone works only over https (plain http:// only for a server on this computer).' };
  }
  return { ok: true, origin: url.origin };
}

/**
 * Checks that a Parley server answers at the address: its health route (`GET /healthz`) must
 * reply `{"ok":true}`. Redirects are not followed, so the origin checked is the origin used.
 */
export async function checkServer(input: string, fetchImpl: FetchLike = fetch, timeoutMs = 5_000): Promise<ServerCheck> {
  const parsed = parseServerAddress(input);
  if (!parsed.ok) return parsed;
  const { origin } = parsed;
  let response: Response;
  try {
    response = await fetchImpl(`${origin}/healthz`, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { ok: false, error: `${origin} did not answer within ${timeoutMs / 1000} seconds; check the address, or try again later.` };
    return { ok: false, error: `Could not reach ${origin}; check the address and your connection.` };
  }
  const body = response.status === 200 ? await response.text().catch(() => '') : (await response.body?.cancel(), '');
  if (response.status >= 300 && response.status < 400) {
    return { ok: false, error: `${origin} sends visitors elsewhere; enter the address the server is reached at (often its https:// one).` };
  }
  let health: unknown;
  try {
    health = JSON.parse(body.slice(0, 1_000));
  } catch {
    health = undefined;
  }
  if (response.status !== 200 || !healthSchema.safeParse(health).success) {
    return { ok: false, error: `${origin} answered, but not as a Parley server does; check the address.` };
  }
  return { ok: true, origin };
}
