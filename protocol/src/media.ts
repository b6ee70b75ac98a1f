import { z } from 'zod';

/**
 * The mediasoup parameters that cross the socket, checked for shape and size before mediasoup
 * (or mediasoup-client) sees them. mediasoup validates their meaning itself; these schemas keep
 * anything huge, deeply nested or of the wrong type from reaching it.
 */

const shortString = (max: number) => z.string().max(max);
const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'ids are letters, digits and "-"');
const payloadType = z.number().int().min(0).max(127);
/** Codec and extension parameters are flat key → string/number maps in mediasoup. */
const codecParameters = z
  .record(shortString(64), z.union([z.string().max(256), z.number().finite()]))
  .refine((p) => Object.keys(p).length <= 32, 'too many codec parameters');
const rtcpFeedback = z.array(z.strictObject({ type: shortString(32), parameter: shortString(32).optional() })).max(16);

export const mediaIdSchema = id;

export const rtpCodecCapabilitySchema = z.object({
  kind: z.enum(['audio', 'video']),
  mimeType: shortString(64),
  preferredPayloadType: payloadType.optional(),
  clockRate: z.number().int().min(1).max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: rtcpFeedback.optional(),
});

export const rtpHeaderExtensionCapabilitySchema = z.object({
  kind: z.enum(['audio', 'video']),
  uri: shortString(256),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const rtpCapabilitiesSchema = z.object({
  codecs: z.array(rtpCodecCapabilitySchema).max(64).optional(),
  headerExtensions: z.array(rtpHeaderExtensionCapabilitySchema).max(64).optional(),
});
export type RtpCapabilitiesMessage = z.infer<typeof rtpCapabilitiesSchema>;

export const rtpParametersSchema = z.object({
  mid: shortString(32).optional(),
  codecs: z
    .array(
      z.object({
        mimeType: shortString(64),
        payloadType,
        clockRate: z.number().int().min(1).max(1_000_000),
        channels: z.number().int().min(1).max(8).optional(),
        parameters: codecParameters.optional(),
        rtcpFeedback: rtcpFeedback.optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(
      z.object({
        uri: shortString(256),
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: codecParameters.optional(),
      }),
    )
    .max(32)
    .optional(),
  encodings: z
    .array(
      z
        .object({
          ssrc: z.number().int().min(0).max(0xffff_ffff).optional(),
          rid: shortString(32).optional(),
          codecPayloadType: payloadType.optional(),
          rtx: z.object({ ssrc: z.number().int().min(0).max(0xffff_ffff) }).optional(),
          dtx: z.boolean().optional(),
          scalabilityMode: shortString(16).optional(),
          maxBitrate: z.number().int().min(0).optional(),
        })
        .loose(),
    )
    .max(4)
    .optional(),
  rtcp: z.object({ cname: shortString(256).optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
  msid: shortString(256).optional(),
});
export type RtpParametersMessage = z.infer<typeof rtpParametersSchema>;

export const dtlsParametersSchema = z.strictObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.strictObject({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().max(200).regex(/^[0-9A-Fa-f:]+$/, 'a fingerprint is hex bytes separated by ":"'),
      }),
    )
    .min(1)
    .max(8),
});
export type DtlsParametersMessage = z.infer<typeof dtlsParametersSchema>;

export const iceParametersSchema = z.object({
  usernameFragment: shortString(256),
  password: shortString(256),
  iceLite: z.boolean().optional(),
});
export type IceParametersMessage = z.infer<typeof iceParametersSchema>;

export const iceCandidateSchema = z.object({
  foundation: shortString(64),
  priority: z.number().int().min(0),
  address: shortString(64),
  ip: shortString(64).optional(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int().min(0).max(65_535),
  type: z.enum(['host', 'srflx', 'prflx', 'relay']),
  tcpType: z.enum(['active', 'passive', 'so']).optional(),
});

/** What a client needs to build its side of one server transport. */
export const transportInfoSchema = z.object({
  id,
  iceParameters: iceParametersSchema,
  iceCandidates: z.array(iceCandidateSchema).max(16),
  dtlsParameters: z.object({
    role: z.enum(['auto', 'client', 'server']).optional(),
    fingerprints: z.array(z.object({ algorithm: shortString(16), value: shortString(200) })).max(8),
  }),
});
export type TransportInfo = z.infer<typeof transportInfoSchema>;

export const transportDirectionSchema = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof transportDirectionSchema>;
