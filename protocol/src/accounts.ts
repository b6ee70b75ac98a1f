import { z } from 'zod';
import { languageCodeSchema } from './languages.js';
import { roomIdSchema } from './signaling.js';
import { transcriptFormatSchema } from './transcriptFormats.js';

/** HTTP bodies and socket events of accounts, rooms with owners, invites and kept transcripts. */

export const roomVisibilitySchema = z.enum(['public', 'private']);
export type RoomVisibility = z.infer<typeof roomVisibilitySchema>;

export const createRoomRequestSchema = z.strictObject({
  room: roomIdSchema,
  visibility: roomVisibilitySchema,
  /** At most this many people in the room at once (the server's own limit still applies). */
  capacity: z.number().int().min(1).max(1_000).optional(),
});
export type CreateRoomRequest = z.infer<typeof createRoomRequestSchema>;

export const roomSummarySchema = z.strictObject({
  room: roomIdSchema,
  visibility: roomVisibilitySchema,
  role: z.enum(['owner', 'member']),
  locked: z.boolean(),
  capacity: z.number().int().nullable(),
  createdAtMs: z.number(),
});
export type RoomSummary = z.infer<typeof roomSummarySchema>;

export const inviteReplySchema = z.strictObject({ room: roomIdSchema, url: z.string(), expiresAtMs: z.number() });
export type InviteReply = z.infer<typeof inviteReplySchema>;

/** Invite tokens are 32 random bytes, base64url. */
export const inviteTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'invite token is malformed');

export const userSchema = z.strictObject({ id: z.string(), name: z.string(), email: z.string() });
export type User = z.infer<typeof userSchema>;

/** GET /api/me */
export const meReplySchema = z.discriminatedUnion('auth', [
  z.strictObject({ auth: z.literal('off') }),
  z.strictObject({ auth: z.literal('oidc'), user: userSchema.nullable(), csrfToken: z.string().nullable() }),
]);
export type MeReply = z.infer<typeof meReplySchema>;

/** GET /api/socket-token: null with AUTH=off (guests need none). */
export const socketTokenReplySchema = z.strictObject({ token: z.string().nullable(), expiresAtMs: z.number().nullable() });
export type SocketTokenReply = z.infer<typeof socketTokenReplySchema>;

export const transcriptQuerySchema = z.strictObject({
  /** Omit for the original speech; a language for the translation into it. */
  lang: languageCodeSchema.optional(),
  /** Opaque cursor from the previous page's `next`. */
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type TranscriptQuery = z.infer<typeof transcriptQuerySchema>;

/** GET /api/rooms/<room>/transcript/export */
export const transcriptExportQuerySchema = z.strictObject({
  format: transcriptFormatSchema,
  /** Omit for the original speech. */
  lang: languageCodeSchema.optional(),
});
export type TranscriptExportQuery = z.infer<typeof transcriptExportQuerySchema>;

/** GET /api/engines: which engines caption each language pair now, "en>es" → "pocketsphinx+apertium". */
export const enginesReplySchema = z.strictObject({ engines: z.record(z.string(), z.string()) });
export type EnginesReply = z.infer<typeof enginesReplySchema>;

export const transcriptSegmentSchema = z.strictObject({
  utteranceId: z.string(),
  speakerId: z.string(),
  speakerName: z.string(),
  /** The speaker's language. */
  srcLang: languageCodeSchema,
  /** The language of `text`: srcLang for the original, else the requested language. */
  lang: languageCodeSchema,
  text: z.string(),
  /** Engines that made `text` ("pocketsphinx", "pocketsphinx+apertium"). */
  engine: z.string(),
  startedAtMs: z.number(),
  endedAtMs: z.number(),
  /** Every translation made of this segment, by language. */
  translations: z.record(z.string(), z.string()),
});
export type TranscriptSegment = z.infer<typeof transcriptSegmentSchema>;

export const transcriptPageSchema = z.strictObject({
  room: roomIdSchema,
  segments: z.array(transcriptSegmentSchema),
  /** Pass as `after` for the next page; null at the end. */
  next: z.string().nullable(),
});
export type TranscriptPage = z.infer<typeof transcriptPageSchema>;

/** RFC 8252 desktop sign-in: the only redirect URIs accepted are loopback ones on 127.0.0.1. */
export const desktopRedirectUriSchema = z
  .string()
  .max(100)
  .regex(/^http:\/\/127\.0\.0\.1:([1-9][0-9]{0,4})\/callback$/, 'redirect_uri must be http://127.0.0.1:<port>/callback')
  .refine((uri) => Number(new URL(uri).port) <= 65_535, 'redirect_uri has an invalid port');

const base64Url43to128 = z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, 'must be 43–128 characters of [A-Za-z0-9._~-]');

export const desktopAuthorizeQuerySchema = z.strictObject({
  redirect_uri: desktopRedirectUriSchema,
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'code_challenge must be the base64url SHA-256 of the verifier'),
  code_challenge_method: z.literal('S256'),
  state: z.string().min(1).max(512),
});
export type DesktopAuthorizeQuery = z.infer<typeof desktopAuthorizeQuerySchema>;

export const desktopTokenRequestSchema = z.discriminatedUnion('grant_type', [
  z.strictObject({
    grant_type: z.literal('authorization_code'),
    code: z.string().min(1).max(200),
    code_verifier: base64Url43to128,
    redirect_uri: desktopRedirectUriSchema,
  }),
  z.strictObject({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1).max(200) }),
]);
export type DesktopTokenRequest = z.infer<typeof desktopTokenRequestSchema>;

export const desktopTokenReplySchema = z.strictObject({
  access_token: z.string(),
  refresh_token: z.string(),
  expires_in: z.number().int(),
  user: userSchema,
});
export type DesktopTokenReply = z.infer<typeof desktopTokenReplySchema>;

export const desktopRevokeRequestSchema = z.strictObject({ token: z.string().min(1).max(200) });

/** Every error reply of the HTTP API. */
export const apiErrorSchema = z.strictObject({ error: z.string() });

/** socket `host`: what the room's owner may do to it. */
export const hostRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('lock'), locked: z.boolean() }),
  z.strictObject({ action: z.literal('remove'), participantId: z.string().min(1).max(64) }),
  z.strictObject({ action: z.literal('mute'), participantId: z.string().min(1).max(64) }),
]);
export type HostRequest = z.infer<typeof hostRequestSchema>;

/** socket `refreshToken`: a fresh socket token before the current one expires. */
export const refreshTokenRequestSchema = z.strictObject({ token: z.string().min(1).max(4_096) });
