/** Reads the room from a shared link: `/r/<room>` or `?room=<room>`. */
export function roomFromLocation(location: { pathname: string; search: string }): string | null {
  const match = /^\/r\/([^/]+)\/?$/.exec(location.pathname);
  if (match?.[1]) {
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return null;
    }
  }
  const fromQuery = new URLSearchParams(location.search).get('room');
  return fromQuery ? fromQuery : null;
}

export function roomPath(room: string): string {
  return `/r/${encodeURIComponent(room)}`;
}

export function roomLink(room: string, origin: string): string {
  return `${origin}${roomPath(room)}`;
}

/** People paste whole invite links into the room field; keep only the room name. */
export function normalizeRoomInput(input: string): string {
  const trimmed = input.trim();
  if (!/^https?:\/\//i.test(trimmed)) return trimmed;
  try {
    return roomFromLocation(new URL(trimmed)) ?? trimmed;
  } catch {
    return trimmed;
  }
}

/** The token of an invite link: `/invite/<token>`. */
export function inviteFromLocation(location: { pathname: string }): string | null {
  return /^\/invite\/([A-Za-z0-9_-]{43})\/?$/.exec(location.pathname)?.[1] ?? null;
}

/** History pages: `/history` (every room) and `/history/<room>` (one transcript). */
export function historyFromLocation(location: { pathname: string }): { room: string | null } | null {
  if (/^\/history\/?$/.test(location.pathname)) return { room: null };
  const match = /^\/history\/([^/]+)\/?$/.exec(location.pathname);
  if (!match?.[1]) return null;
  try {
    return { room: decodeURIComponent(match[1]) };
  } catch {
    return { room: null };
  }
}

export function historyPath(room: string | null): string {
  return room ? `/history/${encodeURIComponent(room)}` : '/history';
}
