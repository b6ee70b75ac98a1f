import { z } from 'zod';
import { languageCodeSchema, type LanguageCode } from './languages.js';

/** Caps on what a client may send; the server rejects anything larger before parsing. */
export const LIMITS = {
  displayNameChars: 64,
  roomIdChars: 64,
  sdpChars: 16_384,
  candidateChars: 1_024,
  /** socket.io's maxHttpBufferSize: no single message may exceed this. */
  messageBytes: 32_768,
} as const;

export const roomIdSchema = z
  .string()
  .min(1, 'room name is empty')
  .max(LIMITS.roomIdChars, `room name is longer than ${LIMITS.roomIdChars} characters`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'room name may use only letters, digits, "-" and "_"');

export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'display name is empty')
  .max(LIMITS.displayNameChars, `display name is longer than ${LIMITS.displayNameChars} characters`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'display name has control characters');

export const joinRequestSchema = z.strictObject({
  room: roomIdSchema,
  name: displayNameSchema,
  speaks: languageCodeSchema,
  reads: languageCodeSchema,
});
export type JoinRequest = z.infer<typeof joinRequestSchema>;

export const sessionDescriptionSchema = z.strictObject({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().min(1, 'sdp is empty').max(LIMITS.sdpChars, `sdp is longer than ${LIMITS.sdpChars} characters`),
});
export type SessionDescription = z.infer<typeof sessionDescriptionSchema>;

export const offerRequestSchema = z.strictObject({
  description: sessionDescriptionSchema.refine((d) => d.type === 'offer', 'description.type must be "offer"'),
});
export type OfferRequest = z.infer<typeof offerRequestSchema>;

export const iceCandidateSchema = z.strictObject({
  candidate: z.string().max(LIMITS.candidateChars),
  sdpMid: z.string().max(32).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
});
export type IceCandidate = z.infer<typeof iceCandidateSchema>;

export const participantSchema = z.strictObject({
  /** Also the speakerId of their captions and the stream id of their audio track in the SDP. */
  id: z.string(),
  name: z.string(),
  speaks: languageCodeSchema,
  reads: languageCodeSchema,
  /** Has a microphone connected (false: listen-only). */
  hasMic: z.boolean(),
  muted: z.boolean(),
});
export type Participant = z.infer<typeof participantSchema>;

export const participantListSchema = z.array(participantSchema).max(10_000);

export const captionKindSchema = z.enum(['interim', 'final']);
export type CaptionKind = z.infer<typeof captionKindSchema>;

/** One caption line as a listener receives it, already in the listener's language. */
export const captionSchema = z.strictObject({
  room: roomIdSchema,
  utteranceId: z.string().min(1).max(128),
  /** Grows with each revision of the same utterance; the final has the highest. */
  seq: z.number().int().min(0),
  kind: captionKindSchema,
  speakerId: z.string(),
  speakerName: z.string(),
  lang: languageCodeSchema,
  text: z.string().max(4_000),
  sourceLang: languageCodeSchema,
  sourceText: z.string().max(4_000),
  /** Which engines made this caption, e.g. "pocketsphinx" or "pocketsphinx+apertium". */
  engine: z.string().max(64),
  /** Wall-clock time the utterance's speech ended (finals) or the chunk was cut (interims). */
  audioEndAtMs: z.number(),
});
export type Caption = z.infer<typeof captionSchema>;

export const muteRequestSchema = z.strictObject({ muted: z.boolean() });
export type MuteRequest = z.infer<typeof muteRequestSchema>;

/** The browser's answer to a server-initiated offer (participants came or went, ICE restart). */
export const answerReplySchema = z.strictObject({
  description: sessionDescriptionSchema.refine((d) => d.type === 'answer', 'description.type must be "answer"'),
});
export type AnswerReply = z.infer<typeof answerReplySchema>;

/** Which engines make the captions of each language pair in this room, e.g. "en>es": "pocketsphinx+apertium". */
export const roomEnginesSchema = z.record(z.string(), z.string());
export type RoomEngines = z.infer<typeof roomEnginesSchema>;

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface JoinReply {
  peerId: string;
  participants: Participant[];
  iceServers: { urls: string[]; username?: string; credential?: string }[];
}

/** socket.io events the browser sends; every payload is validated by the server. */
export interface ClientToServerEvents {
  join: (request: unknown, ack: (reply: Ack<JoinReply>) => void) => void;
  offer: (request: unknown, ack: (reply: Ack<{ description: SessionDescription }>) => void) => void;
  ice: (candidate: unknown) => void;
  leave: (ack?: (reply: Ack<object>) => void) => void;
  /** Pauses (or resumes) forwarding and captioning of this participant's microphone. */
  mute: (request: unknown, ack: (reply: Ack<object>) => void) => void;
  /** Asks the server to renegotiate with an ICE restart (the browser's network changed). */
  restartIce: (ack: (reply: Ack<object>) => void) => void;
  /** The room's owner locks it, removes or mutes someone (payload: hostRequestSchema). */
  host: (request: unknown, ack: (reply: Ack<object>) => void) => void;
  /** A fresh socket token (payload: refreshTokenRequestSchema); without one the socket closes when its token expires. */
  refreshToken: (request: unknown, ack: (reply: Ack<{ expiresAtMs: number }>) => void) => void;
}

export interface ServerToClientEvents {
  caption: (caption: Caption) => void;
  participants: (participants: Participant[]) => void;
  /** The caption pipeline is behind; captions will arrive late, none are lost. */
  captionsDelayed: (notice: { room: string; backlog: number }) => void;
  fatal: (error: { message: string }) => void;
  /**
   * A new offer from the server after the first negotiation (a participant's audio was added or
   * removed, or an ICE restart); the browser answers through the ack.
   */
  renegotiate: (request: { description: SessionDescription }, ack: (reply: unknown) => void) => void;
  /** Participants whose voice is active now, loudest first (from the audio-level header extension). */
  activeSpeakers: (speakers: { ids: string[] }) => void;
  engines: (engines: RoomEngines) => void;
  /** The room's owner muted this participant's microphone. */
  mutedByHost: () => void;
}

export type LanguagePair = `${LanguageCode}>${LanguageCode}`;
