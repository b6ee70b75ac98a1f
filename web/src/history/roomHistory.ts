import { languageCodeSchema, roomIdSchema, type LanguageCode } from '@parley/protocol';

/** A room this device joined, newest first, so History can list it even for guests. */
export interface VisitedRoom {
  room: string;
  lastJoinedAtMs: number;
  reads: LanguageCode;
}

const KEY = 'parley.rooms';
const MAX_ROOMS = 50;

export function loadVisitedRooms(): VisitedRoom[] {
  let raw: unknown;
  try {
    raw = JSON.parse(localStorage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const rooms: VisitedRoom[] = [];
  for (const item of raw as Record<string, unknown>[]) {
    const room = roomIdSchema.safeParse(item?.room);
    const reads = languageCodeSchema.safeParse(item?.reads);
    if (room.success && reads.success && typeof item.lastJoinedAtMs === 'number') rooms.push({ room: room.data, reads: reads.data, lastJoinedAtMs: item.lastJoinedAtMs });
  }
  return rooms;
}

export function rememberVisit(room: string, reads: LanguageCode, atMs = Date.now()): void {
  const rooms = [{ room, reads, lastJoinedAtMs: atMs }, ...loadVisitedRooms().filter((r) => r.room !== room)].slice(0, MAX_ROOMS);
  try {
    localStorage.setItem(KEY, JSON.stringify(rooms));
  } catch {
    // Private browsing or a full quota: History then lists only what the server knows.
  }
}

export function forgetVisit(room: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(loadVisitedRooms().filter((r) => r.room !== room)));
  } catch {
    // nothing stored, nothing to forget
  }
}
