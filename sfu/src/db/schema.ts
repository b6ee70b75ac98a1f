/** Tables as Kysely sees them. Times are epoch milliseconds; booleans are 0/1 (the same on SQLite and Postgres). */
export interface UsersTable {
  id: string;
  /** The OpenID provider's issuer and subject: one account per person per provider. */
  issuer: string;
  subject: string;
  email: string;
  name: string;
  created_at: number;
}

export interface RoomsTable {
  id: string;
  owner_id: string;
  visibility: 'public' | 'private';
  locked: number;
  capacity: number | null;
  created_at: number;
}

export interface MembershipsTable {
  room_id: string;
  user_id: string;
  role: 'owner' | 'member';
  /** Removed by the host: may not join again. */
  removed: number;
  created_at: number;
}

export interface InvitesTable {
  /** sha256 of the token; the token itself is only in the link. */
  token_hash: string;
  room_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  kind: 'web' | 'desktop';
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** sha256 of the desktop app's current refresh token; rotated on each use. */
  refresh_hash: string | null;
}

export interface DesktopCodesTable {
  code_hash: string;
  user_id: string;
  code_challenge: string;
  redirect_uri: string;
  expires_at: number;
  used: number;
}

export interface TranscriptSegmentsTable {
  utterance_id: string;
  room_id: string;
  seq: number;
  speaker_id: string;
  speaker_name: string;
  src_lang: string;
  text: string;
  stt_engine: string;
  started_at_ms: number;
  ended_at_ms: number;
  stored_at: number;
}

export interface TranscriptTranslationsTable {
  utterance_id: string;
  lang: string;
  text: string;
  engine: string;
}

export interface Database {
  users: UsersTable;
  rooms: RoomsTable;
  memberships: MembershipsTable;
  invites: InvitesTable;
  sessions: SessionsTable;
  desktop_codes: DesktopCodesTable;
  transcript_segments: TranscriptSegmentsTable;
  transcript_translations: TranscriptTranslationsTable;
}
