import { z } from 'zod';
import { languageCodeSchema } from '../languages.js';
import { captionKindSchema, captionSchema, roomIdSchema } from '../signaling.js';

/**
 * Redis keys and stream entries shared by the sfu and the workers.
 * Every entry read from Redis goes through one of these schemas first.
 */
export const REDIS_KEYS = {
  /** Assignment of utterances to stt workers (consumer group `stt`). */
  sttAssign: 'parley:stt:assign',
  /** Audio chunks of one utterance, read in order by the one worker that owns the utterance. */
  utteranceAudio: (utteranceId: string) => `parley:utt:${utteranceId}`,
  /** Recognised text waiting for translation (consumer group `mt`). */
  mtJobs: 'parley:mt:jobs',
  /**
   * Finished captions (a capped stream): every sfu node reads it from the last entry it saw, so a
   * node whose connection drops for a moment picks up where it left off (pub/sub would lose them).
   */
  captions: 'parley:captions',
  /**
   * Every final caption with all its translations, one entry per utterance, written by the mt
   * worker before it acks the job; the transcript writer stores them (consumer group `transcript`).
   */
  transcript: 'parley:transcript',
  /** Entries that failed repeatedly, with the reason. */
  deadLetter: 'parley:dead',
  /** Hash "src>tgt" → engines that make its captions ("whisper+marian"), written by stt workers at start. */
  engines: 'parley:engines',
  /** A live sfu node: its NODE_URL (empty without one), kept while the node renews it. */
  sfuNode: (nodeId: string) => `parley:sfu:node:${nodeId}`,
  /** The sfu node whose media hosts a room (its NODE_ID). */
  roomNode: (room: string) => `parley:sfu:room:${room}`,
  /** What the sfu's audio pipeline saw of one speaker (JSON of speakerAudioStatsSchema), kept a while after they leave. */
  speakerAudioStats: (room: string, speakerId: string) => `parley:audio:stats:${room}:${speakerId}`,
} as const;

export const CONSUMER_GROUPS = { stt: 'stt', mt: 'mt', transcript: 'transcript' } as const;

/** Redis gives back flat [field, value, field, value…] arrays; turn them into a record. */
export function fieldsToRecord(fields: readonly (string | Buffer)[]): Record<string, string | Buffer> {
  const record: Record<string, string | Buffer> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1] as string | Buffer;
  return record;
}

const asString = z.preprocess((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v), z.string());
const asInt = z.preprocess((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v), z.coerce.number().int().min(0));
const asNumber = z.preprocess((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v), z.coerce.number());
const asBool = z.preprocess((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v), z.enum(['0', '1']).transform((s) => s === '1'));
/** A comma-separated list in a stream field (recordToFields() joins arrays so). */
const asList = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess(
    (v) => {
      const s = Buffer.isBuffer(v) ? v.toString('utf8') : v;
      return typeof s === 'string' ? s.split(',').filter(Boolean) : s;
    },
    z.array(item).max(max),
  );
const asLanguages = asList(languageCodeSchema, 32);

export const utteranceIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'utterance id has unexpected characters');

/** Assignment of one utterance: who spoke, in which room and language, and who reads it. */
/** Caps on the names an assignment carries: words of the room's display names. */
export const MAX_NAME_WORDS = 64;
const NAME_WORD = /^[\p{L}][\p{L}'’-]{1,31}$/u;

/**
 * The words of people's display names, for the recogniser's clean-up to write with their
 * capitals: "Mary-Jane O'Neil, PhD" → Mary-Jane, O'Neil, PhD. Words of 2–32 letters (apostrophes
 * and hyphens inside), each once whatever its case, at most MAX_NAME_WORDS.
 */
export function nameWords(displayNames: Iterable<string>): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const name of displayNames) {
    for (const raw of name.normalize('NFC').split(/[^\p{L}'’-]+/u)) {
      const word = raw.replace(/^['’-]+|['’-]+$/gu, '');
      const key = word.toLowerCase();
      if (!NAME_WORD.test(word) || seen.has(key)) continue;
      if (words.length >= MAX_NAME_WORDS) return words;
      seen.add(key);
      words.push(word);
    }
  }
  return words;
}

const asNameWords = asList(z.string().regex(NAME_WORD, 'a name word is 2–32 letters'), MAX_NAME_WORDS);

export const sttAssignmentSchema = z.object({
  utteranceId: asString.pipe(utteranceIdSchema),
  room: asString.pipe(roomIdSchema),
  speakerId: asString,
  speakerName: asString,
  srcLang: asString.pipe(languageCodeSchema),
  targetLangs: asLanguages,
  startedAtMs: asNumber,
  /** The words of the display names of the people in the room when the utterance began (nameWords()). */
  names: asNameWords.default([]),
});
export type SttAssignment = z.infer<typeof sttAssignmentSchema>;

/** 16 kHz mono signed 16-bit little-endian PCM; at most 2 s in one chunk. */
export const MAX_CHUNK_PCM_BYTES = 16_000 * 2 * 2;

export const audioChunkSchema = z.object({
  seq: asInt,
  final: asBool,
  /**
   * The speaker has just gone quiet: this chunk carries every word so far, so the worker decodes
   * and sends a caption of the whole phrase now rather than after the endpoint. Absent: false.
   */
  pause: asBool.default(false),
  /**
   * On a final chunk: the phrase ended at the last pause chunk, with no speech since; what this
   * chunk carries is the quiet that confirmed the end. Absent: false.
   */
  endsAtPause: asBool.default(false),
  /** Wall-clock time of the last sample in this chunk. */
  endAtMs: asNumber,
  pcm: z.instanceof(Buffer).refine((b) => b.length % 2 === 0 && b.length <= MAX_CHUNK_PCM_BYTES, 'pcm must be whole 16-bit samples, at most 2 s'),
});
export type AudioChunk = z.infer<typeof audioChunkSchema>;

/**
 * 16-bit little-endian PCM bytes (an audio chunk's `pcm`, or sox's raw output) as samples. The
 * bytes are copied: a Buffer's view may start at an odd offset, where an Int16Array cannot.
 */
export function pcmSamples(bytes: Uint8Array): Int16Array {
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export const mtJobSchema = z.object({
  utteranceId: asString.pipe(utteranceIdSchema),
  room: asString.pipe(roomIdSchema),
  speakerId: asString,
  speakerName: asString,
  seq: asInt,
  kind: asString.pipe(captionKindSchema),
  srcLang: asString.pipe(languageCodeSchema),
  targetLangs: asLanguages,
  text: asString.pipe(z.string().max(4_000)),
  sttEngine: asString,
  /** When the utterance's speech started (wall clock); 0 from writers that do not know. */
  startedAtMs: asNumber.default(0),
  audioEndAtMs: asNumber,
});
export type MtJob = z.infer<typeof mtJobSchema>;

/** One final caption with every translation made of it, for the kept transcript. */
export const transcriptEntrySchema = z.object({
  utteranceId: asString.pipe(utteranceIdSchema),
  room: asString.pipe(roomIdSchema),
  speakerId: asString,
  speakerName: asString,
  /** The final's sequence number: a repeat of the same utterance with a higher one replaces it. */
  seq: asInt,
  srcLang: asString.pipe(languageCodeSchema),
  text: asString.pipe(z.string().max(4_000)),
  /** JSON object language → translated text (empty when nobody read another language). */
  translations: asString.pipe(
    z.string().transform((s, ctx) => {
      try {
        return z.partialRecord(languageCodeSchema, z.string().max(4_000)).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'translations must be a JSON object of language → text' });
        return z.NEVER;
      }
    }),
  ),
  sttEngine: asString,
  /** "apertium", "marian"… per target language, as JSON; empty object with no translations. */
  mtEngines: asString.pipe(
    z.string().transform((s, ctx) => {
      try {
        return z.partialRecord(languageCodeSchema, z.string().max(64)).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'mtEngines must be a JSON object of language → engine' });
        return z.NEVER;
      }
    }),
  ),
  startedAtMs: asNumber,
  audioEndAtMs: asNumber,
});
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

/** One caption on the captions stream: the listener-facing caption, as JSON in one field. */
export const captionEntrySchema = z
  .object({ caption: asString.pipe(z.string().max(16_000)) })
  .transform((entry, ctx) => {
    try {
      return JSON.parse(entry.caption) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'caption must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(captionSchema);

/** Fields for XADD of a transcript entry (the reader is transcriptEntrySchema). */
export function transcriptEntryFields(entry: TranscriptEntry): (string | Buffer)[] {
  return recordToFields({ ...entry, translations: JSON.stringify(entry.translations), mtEngines: JSON.stringify(entry.mtEngines) });
}

/** An entry set aside after it failed for good or too often, with the reason in a sentence. */
export const deadLetterSchema = z.object({
  stream: asString,
  entry: asString,
  reason: asString,
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/**
 * What the sfu's audio pipeline saw of one speaker, refreshed while they are connected: proof
 * that audio arrived and a count of what voice-activity detection let through.
 */
export const speakerAudioStatsSchema = z.strictObject({
  room: roomIdSchema,
  speakerId: z.string(),
  /** RTP packets received. */
  packets: z.number().int().min(0),
  /** 512-sample frames (32 ms) that went through voice-activity detection. */
  frames: z.number().int().min(0),
  /** Of those, frames VAD judged to be speech. */
  speechFrames: z.number().int().min(0),
  /** Utterances sent on to speech recognition. */
  utterances: z.number().int().min(0),
  /** Utterances dropped for having too little speech. */
  discardedUtterances: z.number().int().min(0),
  updatedAtMs: z.number(),
});
export type SpeakerAudioStats = z.infer<typeof speakerAudioStatsSchema>;

/** Flatten a record for XADD; arrays become comma lists, booleans 0/1. */
export function recordToFields(record: Record<string, string | number | boolean | Buffer | readonly string[]>): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  for (const [key, value] of Object.entries(record)) {
    out.push(key);
    if (Buffer.isBuffer(value)) out.push(value);
    else if (Array.isArray(value)) out.push(value.join(','));
    else if (typeof value === 'boolean') out.push(value ? '1' : '0');
    else out.push(String(value));
  }
  return out;
}
