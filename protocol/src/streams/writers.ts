import {
  REDIS_KEYS,
  audioChunkSchema,
  deadLetterSchema,
  mtJobSchema,
  recordToFields,
  sttAssignmentSchema,
  transcriptEntryFields,
  transcriptEntrySchema,
  type AudioChunk,
  type DeadLetter,
  type MtJob,
  type SttAssignment,
  type TranscriptEntry,
} from './schemas.js';
import { TypedStream } from './TypedStream.js';

/**
 * Every stream Parley writes, typed on both sides. Producers call `add`/`addTo`, consumers
 * `parse` (or hand the stream to a StreamConsumer); nobody builds fields by hand.
 */
export const STREAMS = {
  /** Utterances waiting for an stt worker (consumer group `stt`); entries are acked within seconds. */
  sttAssign: new TypedStream<SttAssignment>(REDIS_KEYS.sttAssign, sttAssignmentSchema, (a) => recordToFields(a), 10_000),
  /** Recognised text waiting for translation (consumer group `mt`). */
  mtJobs: new TypedStream<MtJob>(REDIS_KEYS.mtJobs, mtJobSchema, (j) => recordToFields(j), 100_000),
  /** Finals with their translations, for the kept transcript (consumer group `transcript`); never trimmed. */
  transcript: new TypedStream<TranscriptEntry>(REDIS_KEYS.transcript, transcriptEntrySchema, transcriptEntryFields),
  deadLetter: new TypedStream<DeadLetter>(REDIS_KEYS.deadLetter, deadLetterSchema, (d) => recordToFields(d), 10_000),
} as const;

/** The audio chunks of one utterance, read in order by the worker that owns it. */
export function utteranceAudioStream(utteranceId: string): TypedStream<AudioChunk> {
  return new TypedStream<AudioChunk>(REDIS_KEYS.utteranceAudio(utteranceId), audioChunkSchema, (c) => recordToFields(c));
}
