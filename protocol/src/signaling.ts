import { z } from 'zod';
import { languageCodeSchema, type LanguageCode } from './languages.js';
import {
  dtlsParametersSchema,
  mediaIdSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  type IceParametersMessage,
  type RtpCapabilitiesMessage,
  type TransportInfo,
} from './media.js';

/** Caps on what a client may send; the server rejects anything larger before parsing. */
export const LIMITS = {
  displayNameChars: 64,
  roomIdChars: 64,
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
  /** The client was in the room and lost its connection: this join brings it back (counted as a reconnect). */
  rejoin: z.boolean().optional(),
});
export type JoinRequest = z.infer<typeof joinRequestSchema>;

/** Creates this participant's WebRTC transports: always one to receive, one to send with a microphone. */
export const createTransportsRequestSchema = z.strictObject({
  /** What this client's WebRTC stack can receive (mediasoup-client's device.rtpCapabilities). */
  rtpCapabilities: rtpCapabilitiesSchema,
  /** Whether to make a send transport too (false: listen-only). */
  send: z.boolean(),
});
export type CreateTransportsRequest = z.infer<typeof createTransportsRequestSchema>;

export interface CreateTransportsReply {
  send?: TransportInfo;
  recv: TransportInfo;
}

export const connectTransportRequestSchema = z.strictObject({
  transportId: mediaIdSchema,
  dtlsParameters: dtlsParametersSchema,
});
export type ConnectTransportRequest = z.infer<typeof connectTransportRequestSchema>;

export const produceRequestSchema = z.strictObject({
  transportId: mediaIdSchema,
  kind: z.literal('audio', { error: 'only audio can be sent' }),
  rtpParameters: rtpParametersSchema,
});
export type ProduceRequest = z.infer<typeof produceRequestSchema>;

export const restartIceRequestSchema = z.strictObject({ transportId: mediaIdSchema });
export type RestartIceRequest = z.infer<typeof restartIceRequestSchema>;

/** Another participant's audio, to be received on this client's receive transport. */
export const newConsumerSchema = z.strictObject({
  consumerId: mediaIdSchema,
  producerId: mediaIdSchema,
  /** The participant who speaks on it; also the stream id the client gives the track. */
  peerId: z.string().max(64),
  kind: z.literal('audio'),
  rtpParameters: rtpParametersSchema,
});
export type NewConsumer = z.infer<typeof newConsumerSchema>;

export const consumerClosedSchema = z.strictObject({ consumerId: mediaIdSchema });

export const participantSchema = z.strictObject({
  /** Also the speakerId of their captions and the stream id of the track carrying their audio. */
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
  /** Wall-clock time a worker published it to the sfu nodes (their delivery is timed from it). */
  publishedAtMs: z.number().optional(),
});
export type Caption = z.infer<typeof captionSchema>;

export const muteRequestSchema = z.strictObject({ muted: z.boolean() });
export type MuteRequest = z.infer<typeof muteRequestSchema>;

/** socket `setCaptionLanguage`: read the room's captions in another language from the next utterance on. */
export const captionLanguageRequestSchema = z.strictObject({ reads: languageCodeSchema });
export type CaptionLanguageRequest = z.infer<typeof captionLanguageRequestSchema>;

/** Which engines make the captions of each language pair in this room, e.g. "en>es": "pocketsphinx+apertium". */
export const roomEnginesSchema = z.record(z.string(), z.string());
export type RoomEngines = z.infer<typeof roomEnginesSchema>;

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: string };

/**
 * The room's media lives on another Parley node: the client connects there and joins again.
 * Only http(s) addresses are followed.
 */
export const joinMoveSchema = z.strictObject({
  moveTo: z
    .url()
    .max(2_048)
    .refine((u) => /^https?:\/\//i.test(u), 'a node address must be http:// or https://'),
});
export type JoinMove = z.infer<typeof joinMoveSchema>;

export interface JoinReply {
  peerId: string;
  participants: Participant[];
  iceServers: { urls: string[]; username?: string; credential?: string }[];
  /** What the room's router sends and receives: the client's mediasoup Device loads it. */
  routerRtpCapabilities: RtpCapabilitiesMessage;
  /** Send no audio while the microphone hears silence (Opus DTX), as the server asks. Absent: false. */
  opusDtx?: boolean;
}

/** socket.io events the client sends; every payload is validated by the server. */
export interface ClientToServerEvents {
  /** Answered with the room (JoinReply), or with the node that hosts the room's media (JoinMove). */
  join: (request: unknown, ack: (reply: Ack<JoinReply | JoinMove>) => void) => void;
  createTransports: (request: unknown, ack: (reply: Ack<CreateTransportsReply>) => void) => void;
  connectTransport: (request: unknown, ack: (reply: Ack<object>) => void) => void;
  produce: (request: unknown, ack: (reply: Ack<{ producerId: string }>) => void) => void;
  /** New ICE credentials for a transport whose network path changed or failed. */
  restartIce: (request: unknown, ack: (reply: Ack<{ iceParameters: IceParametersMessage }>) => void) => void;
  leave: (ack?: (reply: Ack<object>) => void) => void;
  /** Pauses (or resumes) forwarding and captioning of this participant's microphone. */
  mute: (request: unknown, ack: (reply: Ack<object>) => void) => void;
  /** Changes the language this participant reads captions in, without rejoining (payload: captionLanguageRequestSchema). */
  setCaptionLanguage: (request: unknown, ack: (reply: Ack<object>) => void) => void;
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
  /**
   * The server lost (paused: true) or regained (false) its connection to the caption pipeline.
   * What is said meanwhile is kept and captioned when it is back.
   */
  captionsPaused: (notice: { room: string; paused: boolean }) => void;
  /** This room's media now lives on another node: the client moves there (payload: joinMoveSchema). */
  roomMoved: (notice: JoinMove) => void;
  fatal: (error: { message: string }) => void;
  /** Receive another participant's audio; the ack says the client is ready, then it starts flowing. */
  newConsumer: (consumer: NewConsumer, ack: (reply: unknown) => void) => void;
  /** That audio stopped for good (its speaker left, or lost their connection). */
  consumerClosed: (notice: { consumerId: string }) => void;
  /**
   * The server lost this room's media (a media process died) and rebuilt it: the client keeps its
   * place in the room and sets up its transports again from createTransports.
   */
  mediaReset: (notice: { reason: string }) => void;
  /** Participants whose voice is active now, loudest first. */
  activeSpeakers: (speakers: { ids: string[] }) => void;
  engines: (engines: RoomEngines) => void;
  /** The room's owner muted this participant's microphone. */
  mutedByHost: () => void;
}

export type LanguagePair = `${LanguageCode}>${LanguageCode}`;
