import { roomIdSchema } from '@parley/protocol';

export const DEEP_LINK_SCHEME = 'parley';
/** Longer than any room link; a longer argument is not one of ours. */
const MAX_DEEP_LINK_CHARS = 200;

export interface JoinLink {
  kind: 'join';
  room: string;
}

/**
 * Reads `parley://join/<room>`. Anything else — another host, a path below the room, a query, a
 * fragment, credentials, a port, percent-escapes, a room name the server would refuse — is not a
 * join link: deep links come from any web page or program on the computer, so nothing is guessed.
 */
export function parseDeepLink(input: unknown): JoinLink | null {
  if (typeof input !== 'string' || input.length > MAX_DEEP_LINK_CHARS) return null;
  // Room names never need escaping, and a raw "%", "\" or control character is a trick, not a room.
  if (/[%\\\s\u0000-\u001f\u007f]/.test(input)) return null;
  const match = /^parley:\/\/join\/([^/?#]+)\/?$/i.exec(input);
  if (!match) return null;
  const room = roomIdSchema.safeParse(match[1]);
  return room.success ? { kind: 'join', room: room.data } : null;
}

/** The deep link among a process's arguments (Windows passes it as one argument), if any. */
export function deepLinkFromArgv(argv: readonly string[]): JoinLink | null {
  for (const arg of argv) {
    if (!arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`)) continue;
    const link = parseDeepLink(arg);
    if (link) return link;
  }
  return null;
}

/** Where the web app shows a room (web/src/roomUrl.ts). */
export function roomUrl(serverOrigin: string, room: string): string {
  return `${serverOrigin}/r/${encodeURIComponent(room)}`;
}
