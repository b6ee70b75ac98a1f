import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LanguageCode } from '@parley/protocol';
import { STREAMS, utteranceAudioStream } from '@parley/protocol/streams';

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
  /** The speaker just paused: this chunk completes the phrase so far. */
  pause: boolean;
  /** Final chunk only: the phrase ended at the last pause (no speech since). */
  endsAtPause?: boolean;
  pcm: Buffer;
  endAtMs: number;
}

/** An utterance's audio stays this long at most if no worker ever finishes it. */
const UTTERANCE_TTL_SECONDS = 600;

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
    const audio = utteranceAudioStream(utteranceId);
    const multi = this.redis.multi();
    audio.addTo(multi, {
      seq: chunk.seq,
      final: chunk.final,
      pause: chunk.pause,
      endsAtPause: chunk.endsAtPause ?? false,
      endAtMs: chunk.endAtMs,
      pcm: chunk.pcm,
    });
    multi.expire(audio.key, UTTERANCE_TTL_SECONDS);
    if (chunk.seq === 0) {
      const c = this.context;
      STREAMS.sttAssign.addTo(multi, {
        utteranceId,
        room: c.room,
        speakerId: c.speakerId,
        speakerName: c.speakerName,
        srcLang: c.srcLang,
        targetLangs: c.targetLangs(),
        startedAtMs: Date.now(),
      });
    }
    this.writes = this.writes.then(() => multi.exec()).catch(this.onError);
  }

  /** Resolves when every chunk handed in so far has been written. */
  drain(): Promise<unknown> {
    return this.writes;
  }
}
