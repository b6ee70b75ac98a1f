import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LanguageCode } from '@parley/protocol';
import { REDIS_KEYS, recordToFields } from '@parley/protocol/streams';

export interface UtteranceContext {
  room: string;
  speakerId: string;
  speakerName: string;
  srcLang: LanguageCode;
  /** Read at the start of each utterance: who is in the room then decides the translations. */
  targetLangs: () => LanguageCode[];
}

export interface UtteranceChunk {
  seq: number;
  final: boolean;
  pcm: Buffer;
  endAtMs: number;
}

/** An utterance's audio stays this long at most if no worker ever finishes it. */
const UTTERANCE_TTL_SECONDS = 600;
/** Bounds the assignment stream; entries are tiny and acked within seconds. */
const ASSIGN_STREAM_MAXLEN = 10_000;

/**
 * Writes one speaker's utterances to Redis: the audio chunks to the utterance's own stream and,
 * with its first chunk, an assignment that hands the utterance to one stt worker.
 */
export class UtterancePublisher {
  private utteranceId: string | undefined;
  private utteranceCount = 0;
  /** A speaker gets a new publisher whenever their microphone is set up again: ids must not repeat. */
  private readonly publisherId = randomBytes(4).toString('hex');
  /** Chained so chunks of one speaker reach Redis in the order they were cut. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly context: UtteranceContext,
    private readonly onError: (error: unknown) => void,
  ) {}

  utteranceStarted(): string {
    this.utteranceCount += 1;
    this.utteranceId = `${this.context.speakerId}-${this.publisherId}-${this.utteranceCount}`;
    return this.utteranceId;
  }

  chunk(chunk: UtteranceChunk): void {
    const utteranceId = this.utteranceId;
    if (!utteranceId) return;
    if (chunk.final) this.utteranceId = undefined;
    const key = REDIS_KEYS.utteranceAudio(utteranceId);
    const multi = this.redis.multi();
    multi.xadd(key, '*', ...recordToFields({ seq: chunk.seq, final: chunk.final, endAtMs: chunk.endAtMs, pcm: chunk.pcm }));
    multi.expire(key, UTTERANCE_TTL_SECONDS);
    if (chunk.seq === 0) {
      const c = this.context;
      multi.xadd(
        REDIS_KEYS.sttAssign,
        'MAXLEN',
        '~',
        ASSIGN_STREAM_MAXLEN,
        '*',
        ...recordToFields({
          utteranceId,
          room: c.room,
          speakerId: c.speakerId,
          speakerName: c.speakerName,
          srcLang: c.srcLang,
          targetLangs: c.targetLangs(),
          startedAtMs: Date.now(),
        }),
      );
    }
    this.writes = this.writes.then(() => multi.exec()).catch(this.onError);
  }

  /** Resolves when every chunk handed in so far has been written. */
  drain(): Promise<unknown> {
    return this.writes;
  }
}
