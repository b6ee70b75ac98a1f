import type { types } from 'mediasoup-client';
import { nested, POLLUTING_KEYS, randomValue, withKey, wrongShape } from './hostilePayloads.js';
import type { SeededRandom } from './SeededRandom.js';

// Mutations of real mediasoup parameters. None of them decides whether its result is valid: the
// fuzzer asks the protocol's schemas (and, past them, mediasoup) what must happen to it.

export interface Mutant {
  kind: string;
  value: unknown;
}

type Json = Record<string, unknown>;

const clone = <T>(value: T): T => structuredClone(value);

/** A value of the wrong type for a field that has a type. */
function wrongType(rng: SeededRandom): unknown {
  return rng.pick<unknown>(['', 'x', '1', -1, 1.5, 2 ** 53, 1e308, true, null, [], {}, ['audio/opus'], { nested: { deeper: 1 } }]);
}

function hexBytes(rng: SeededRandom, count: number): string {
  return Array.from({ length: count }, () => rng.int(0, 255).toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** A codec/extension parameter map: a few odd entries, or too many. */
function oddParameters(rng: SeededRandom): Json {
  const out: Json = {};
  for (let i = rng.pick([1, 3, 32, 33, 40]); i > 0; i--) {
    const key = rng.chance(0.2) ? rng.pick(POLLUTING_KEYS) : rng.pick(['apt', 'useinbandfec', 'stereo', 'x-google-max-bitrate', 'profile-id', rng.string(8) || 'k', `k${i}`]);
    withKey(out, key, rng.pick<unknown>([0, 1, -1, 2 ** 31, 2 ** 53, 1e308, 'x'.repeat(rng.pick([1, 256, 257])), rng.string(20), null, [1], { a: 1 }]));
  }
  return out;
}

/** Mutates the rtpParameters of a real microphone producer (the produce request). */
export function mutateRtpParameters(rng: SeededRandom, real: types.RtpParameters): Mutant {
  const p = clone(real) as unknown as Json & { codecs: Json[]; headerExtensions?: Json[]; encodings?: Json[]; rtcp?: Json };
  const codec = p.codecs[0]!;
  const mutations: [string, () => unknown][] = [
    ['codec-mime', () => (codec.mimeType = rng.pick(['audio/PCMU', 'video/VP8', 'audio/OPUS', 'audio/opus ', '', 'audio/rtx', 'opus', `audio/${rng.string(10)}`, 'x'.repeat(65)]))],
    ['codec-payload-type', () => (codec.payloadType = rng.pick<unknown>([0, 35, 96, 127, 128, -1, 1.5, '111']))],
    ['codec-clock-rate', () => (codec.clockRate = rng.pick<unknown>([8_000, 44_100, 1, 0, 1_000_000, 1_000_001, 48_000.5]))],
    ['codec-channels', () => (rng.chance(0.3) ? delete codec.channels : (codec.channels = rng.pick<unknown>([1, 8, 9, 0, 255])))],
    ['codec-parameters', () => (codec.parameters = oddParameters(rng))],
    ['codec-rtcp-feedback', () => (codec.rtcpFeedback = Array.from({ length: rng.pick([1, 16, 17]) }, () => ({ type: rng.pick(['nack', 'pli', 'ccm', '', rng.string(8)]), parameter: rng.pick(['', 'fir', 'x'.repeat(33)]) })))],
    ['codecs-rtx', () => p.codecs.push({ mimeType: 'audio/rtx', payloadType: rng.pick([112, 111]), clockRate: 48_000, parameters: { apt: rng.pick([111, 99, -1]) } })],
    ['codecs-duplicate-pt', () => p.codecs.push({ ...clone(codec), mimeType: 'audio/PCMU', clockRate: 8_000, channels: 1 })],
    ['codecs-many', () => (p.codecs = Array.from({ length: rng.pick([16, 17, 64]) }, (_, i) => ({ ...clone(codec), payloadType: 96 + (i % 32) })))],
    ['codecs-empty', () => (p.codecs = [])],
    ['header-extension-ids', () => p.headerExtensions?.forEach((e) => (e.id = rng.pick<unknown>([1, 14, 15, 16, 255, 256, 0, -3])))],
    ['header-extension-duplicate', () => p.headerExtensions?.push({ ...clone(p.headerExtensions[0]!), uri: rng.pick(['urn:ietf:params:rtp-hdrext:sdes:mid', 'urn:x', 'x'.repeat(257)]) })],
    ['header-extension-encrypt', () => p.headerExtensions?.forEach((e) => (e.encrypt = rng.pick<unknown>([true, 'yes'])))],
    ['header-extension-parameters', () => p.headerExtensions?.forEach((e) => (e.parameters = oddParameters(rng)))],
    ['header-extensions-many', () => (p.headerExtensions = Array.from({ length: rng.pick([32, 33]) }, (_, i) => ({ uri: `urn:x:${i}`, id: (i % 14) + 1 })))],
    ['encodings-none', () => (rng.chance(0.5) ? delete p.encodings : (p.encodings = []))],
    ['encoding-ssrc', () => p.encodings?.forEach((e) => (e.ssrc = rng.pick<unknown>([0, 1, 0xffff_ffff, 0x1_0000_0000, -1, 1.5, '123'])))],
    ['encodings-same-ssrc', () => p.encodings?.push(...clone(p.encodings))],
    ['encodings-rid', () => (p.encodings = [{ rid: rng.pick(['r0', '', 'x'.repeat(33)]) }, { rid: 'r1', ssrc: rng.int(1, 2 ** 31) }])],
    ['encodings-many', () => (p.encodings = Array.from({ length: rng.pick([4, 5]) }, (_, i) => ({ ssrc: 1_000 + i })))],
    ['encoding-rtx', () => p.encodings?.forEach((e) => (e.rtx = { ssrc: rng.pick<unknown>([e.ssrc, 7, -1]) }))],
    ['encoding-codec-payload-type', () => p.encodings?.forEach((e) => (e.codecPayloadType = rng.pick<unknown>([111, 0, 127, 200])))],
    ['encoding-fields', () => p.encodings?.forEach((e) => Object.assign(e, { dtx: rng.pick<unknown>([true, 'yes']), scalabilityMode: rng.pick(['L1T3', 'L3T3_KEY', 'S3T3', 'x'.repeat(17)]), maxBitrate: rng.pick<unknown>([0, -1, 2 ** 53, 1.5]) }))],
    // Encodings pass unknown keys on (mediasoup reads some that the schema does not list).
    ['encoding-extra-keys', () => p.encodings?.forEach((e) => withKey(e, rng.pick([...POLLUTING_KEYS, 'active', 'scaleResolutionDownBy', 'spatialLayers', rng.string(6) || 'x']), rng.chance(0.3) ? nested(rng.int(10, 200), 'object') : randomValue(rng)))],
    ['mid', () => (rng.chance(0.3) ? delete p.mid : (p.mid = rng.pick(['', '1', 'x'.repeat(32), 'x'.repeat(33), rng.string(10)])))],
    ['rtcp', () => ((p as Json).rtcp = rng.pick<unknown>([{}, { cname: '' }, { cname: 'x'.repeat(rng.pick([256, 257])) }, { reducedSize: 'yes' }, { mux: false }, null]))],
    ['msid', () => (p.msid = rng.pick<unknown>(['', 'x'.repeat(256), 'x'.repeat(257), 5, `${rng.string(10)} ${rng.string(10)}`]))],
    ['field-wrong-type', () => (p[rng.pick(['codecs', 'headerExtensions', 'encodings', 'rtcp', 'mid', 'msid'])] = wrongType(rng))],
    ['codec-field-wrong-type', () => (codec[rng.pick(['mimeType', 'payloadType', 'clockRate', 'channels', 'parameters', 'rtcpFeedback'])] = wrongType(rng))],
    ['extra-key', () => withKey(p, rng.pick([...POLLUTING_KEYS, 'kind', 'id', rng.string(8) || 'y']), randomValue(rng))],
    ['whole-wrong-shape', () => wrongShape(rng)],
  ];
  const [kind, mutate] = rng.pick(mutations);
  const replaced = mutate();
  return { kind, value: kind === 'whole-wrong-shape' ? replaced : p };
}

/** A second, distinct set of parameters for the same microphone (another SSRC and mid), which mediasoup alone would accept. */
export function anotherStream(rng: SeededRandom, real: types.RtpParameters): types.RtpParameters {
  const p = clone(real);
  p.mid = String(rng.int(1, 99));
  p.encodings = [{ ssrc: rng.int(1, 2 ** 31), dtx: false }];
  return p;
}

/** Mutates a real device's rtpCapabilities (the createTransports request). */
export function mutateRtpCapabilities(rng: SeededRandom, real: types.RtpCapabilities): Mutant {
  const caps = clone(real) as unknown as Json & { codecs: Json[]; headerExtensions: Json[] };
  const opus = caps.codecs[0]!;
  const mutations: [string, () => unknown][] = [
    ['no-codecs', () => (rng.chance(0.5) ? delete (caps as Json).codecs : (caps.codecs = []))],
    ['opus-mime-case', () => (opus.mimeType = rng.pick(['AUDIO/OPUS', 'Audio/Opus', 'audio/opus ', 'audio/opus\u0000', 'audio/PCMU']))],
    ['opus-clock-rate', () => (opus.clockRate = rng.pick<unknown>([44_100, 8_000, 1, 0, 2_000_000]))],
    ['opus-kind', () => (opus.kind = rng.pick<unknown>(['video', 'data', '', 1]))],
    ['opus-preferred-payload-type', () => (rng.chance(0.3) ? delete opus.preferredPayloadType : (opus.preferredPayloadType = rng.pick<unknown>([0, 127, 128, -1, '111'])))],
    ['opus-channels', () => (opus.channels = rng.pick<unknown>([1, 8, 9, 0]))],
    ['opus-parameters', () => (opus.parameters = oddParameters(rng))],
    ['opus-rtcp-feedback', () => (opus.rtcpFeedback = rng.pick<unknown>([[], [{ type: 'nack' }, { type: 'transport-cc' }], Array.from({ length: 17 }, () => ({ type: 'nack' })), [{ type: 5 }]]))],
    ['video-codecs', () => caps.codecs.unshift({ kind: 'video', mimeType: rng.pick(['video/VP8', 'video/H264', 'video/AV1']), clockRate: 90_000, preferredPayloadType: rng.pick([96, 111]) })],
    ['rtx-codec', () => caps.codecs.push({ kind: 'audio', mimeType: 'audio/rtx', clockRate: 48_000, preferredPayloadType: 112, parameters: { apt: rng.pick([111, 7]) } })],
    ['codecs-many', () => (caps.codecs = Array.from({ length: rng.pick([64, 65]) }, (_, i) => ({ ...clone(opus), preferredPayloadType: i % 128 })))],
    ['header-extension-ids', () => caps.headerExtensions.forEach((e) => (e.preferredId = rng.pick<unknown>([1, 14, 15, 255, 256, 0])))],
    ['header-extension-direction', () => caps.headerExtensions.forEach((e) => (e.direction = rng.pick<unknown>(['sendonly', 'inactive', 'both', ''])))],
    ['header-extensions-audio', () => caps.headerExtensions.push(...caps.headerExtensions.map((e) => ({ ...e, kind: 'audio' })))],
    ['header-extensions-many', () => (caps.headerExtensions = Array.from({ length: rng.pick([64, 65]) }, (_, i) => ({ kind: 'audio', uri: `urn:x:${i}`, preferredId: (i % 255) + 1 })))],
    ['field-wrong-type', () => ((caps as Json)[rng.pick(['codecs', 'headerExtensions'])] = wrongType(rng))],
    ['extra-keys', () => withKey(rng.chance(0.5) ? caps : opus, rng.pick([...POLLUTING_KEYS, 'fecMechanisms', rng.string(8) || 'z']), randomValue(rng))],
    ['whole-wrong-shape', () => wrongShape(rng)],
  ];
  const [kind, mutate] = rng.pick(mutations);
  const replaced = mutate();
  return { kind, value: kind === 'whole-wrong-shape' ? replaced : caps };
}

/** Mutates a real transport's dtlsParameters (the connectTransport request). */
export function mutateDtlsParameters(rng: SeededRandom, real: types.DtlsParameters): Mutant {
  const d = clone(real) as unknown as Json & { fingerprints: Json[] };
  const fp = d.fingerprints[0]!;
  const mutations: [string, () => unknown][] = [
    ['role', () => (rng.chance(0.2) ? delete d.role : (d.role = rng.pick<unknown>(['server', 'auto', 'client', 'CLIENT', '', 1])))],
    ['fingerprint-algorithm', () => (fp.algorithm = rng.pick<unknown>(['sha-1', 'sha-512', 'md5', 'SHA-256', '', 256]))],
    ['fingerprint-value', () => (fp.value = rng.pick<unknown>([hexBytes(rng, rng.pick([1, 20, 64, 66])), ':::', 'zz', '', 'A'.repeat(200), 'A'.repeat(201), 42]))],
    ['fingerprints-count', () => (d.fingerprints = Array.from({ length: rng.pick([0, 2, 8, 9]) }, () => ({ algorithm: 'sha-256', value: hexBytes(rng, 32) })))],
    ['fingerprint-extra-key', () => withKey(fp, rng.pick([...POLLUTING_KEYS, 'hash']), 'x')],
    ['extra-key', () => withKey(d, rng.pick([...POLLUTING_KEYS, 'setup', rng.string(6) || 'w']), randomValue(rng))],
    ['field-wrong-type', () => (d[rng.pick(['role', 'fingerprints'])] = wrongType(rng))],
    ['whole-wrong-shape', () => wrongShape(rng)],
  ];
  const [kind, mutate] = rng.pick(mutations);
  const replaced = mutate();
  return { kind, value: kind === 'whole-wrong-shape' ? replaced : d };
}
