import { meReplySchema, socketTokenReplySchema, type ClientToServerEvents, type MeReply, type ServerToClientEvents } from '@parley/protocol';
import type { Socket } from 'socket.io-client';

/**
 * Who is signed in (AUTH=oidc) or that sign-in is off; null when the server cannot be reached
 * (offline, or it is down), so the page can say so instead of guessing.
 */
export async function fetchMe(): Promise<MeReply | null> {
  try {
    const response = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store' });
    const parsed = meReplySchema.safeParse(await response.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function socketToken(): Promise<{ token: string | null; expiresAtMs: number | null }> {
  const response = await fetch('/api/socket-token', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) return { token: null, expiresAtMs: null };
  const parsed = socketTokenReplySchema.safeParse(await response.json());
  return parsed.success ? parsed.data : { token: null, expiresAtMs: null };
}

/**
 * socket.io's `auth` option: a fresh short-lived token from the session on every (re)connect,
 * sent in the handshake body, never in a URL.
 */
export function socketAuth(callback: (data: object) => void): void {
  socketToken().then(
    ({ token }) => callback(token ? { token } : {}),
    () => callback({}),
  );
}

/** Renews the socket's token a minute before it expires, for as long as the socket lives; returns a stop function. */
export function keepSocketTokenFresh(socket: Socket<ServerToClientEvents, ClientToServerEvents>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (expiresAtMs: number | null) => {
    if (stopped || expiresAtMs === null) return;
    timer = setTimeout(() => void refresh(), Math.max(5_000, expiresAtMs - Date.now() - 60_000));
  };
  const refresh = async () => {
    const { token, expiresAtMs } = await socketToken().catch(() => ({ token: null, expiresAtMs: null }));
    if (!token || !socket.connected) return schedule(expiresAtMs ?? Date.now() + 30_000);
    socket.emit('refreshToken', { token }, () => schedule(expiresAtMs));
  };
  const onConnect = () => {
    clearTimeout(timer);
    void socketToken().then(({ expiresAtMs }) => schedule(expiresAtMs), () => undefined);
  };
  socket.on('connect', onConnect);
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket.off('connect', onConnect);
  };
}

async function authCsrfToken(): Promise<string> {
  const response = await fetch('/auth/csrf', { credentials: 'same-origin' });
  return ((await response.json()) as { csrfToken: string }).csrfToken;
}

/** Starts sign-in with the OpenID provider; comes back to `returnTo` (a path on this site). */
export async function signIn(returnTo: string): Promise<void> {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = '/auth/signin/google';
  for (const [name, value] of [
    ['csrfToken', await authCsrfToken()],
    ['callbackUrl', `${window.location.origin}${returnTo}`],
  ] as const) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

/** Ends the session on the server (its sockets close too) and reloads the page signed out. */
export async function signOut(): Promise<void> {
  await fetch('/auth/signout', {
    method: 'POST',
    credentials: 'same-origin',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken: await authCsrfToken(), callbackUrl: window.location.origin }).toString(),
  });
  window.location.assign('/');
}

/** A JSON API call with the session's CSRF token; throws an Error with the server's sentence. */
export async function api<T>(path: string, options: { method?: string; json?: unknown; csrfToken: string | null }): Promise<T> {
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: {
      ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.csrfToken ? { 'x-csrf-token': options.csrfToken } : {}),
    },
    body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
  });
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `The server answered ${response.status}.`);
  return body;
}
