import { displayNameSchema, languageCodeSchema, roomIdSchema, type LanguageCode } from '@parley/protocol';

const KEY = 'parley.lobby';

export interface LobbyPrefs {
  name: string;
  room: string;
  speaks: LanguageCode;
  reads: LanguageCode;
  /** The microphone chosen in the lobby ('' or absent: the browser's default). */
  micDeviceId?: string;
}

/** Whatever was stored last time, keeping only values that are still valid. */
export function loadPrefs(): Partial<LobbyPrefs> {
  let raw: unknown;
  try {
    raw = JSON.parse(localStorage.getItem(KEY) ?? 'null');
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null) return {};
  const stored = raw as Record<string, unknown>;
  const prefs: Partial<LobbyPrefs> = {};
  const name = displayNameSchema.safeParse(stored.name);
  if (name.success) prefs.name = name.data;
  const room = roomIdSchema.safeParse(stored.room);
  if (room.success) prefs.room = room.data;
  const speaks = languageCodeSchema.safeParse(stored.speaks);
  if (speaks.success) prefs.speaks = speaks.data;
  const reads = languageCodeSchema.safeParse(stored.reads);
  if (reads.success) prefs.reads = reads.data;
  if (typeof stored.micDeviceId === 'string' && stored.micDeviceId.length <= 256) prefs.micDeviceId = stored.micDeviceId;
  return prefs;
}

export function savePrefs(prefs: Partial<LobbyPrefs>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...prefs }));
  } catch {
    // Private browsing or a full quota: the choices simply are not remembered.
  }
}

/** The browser's own language when Parley offers it, so first-time visitors rarely need to change it. */
export function browserLanguage(): LanguageCode {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = languageCodeSchema.safeParse(tag.slice(0, 2).toLowerCase());
    if (code.success) return code.data;
  }
  return 'en';
}
