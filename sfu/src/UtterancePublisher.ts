import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LanguageCode } from '@parley/protocol';
import { STREAMS, utteranceAudioStream } from '@parley/protocol/streams';
import { RedisWriteQueue, type OutageBudget } from './RedisWriteQueue.js';

export interface UtteranceContext {
  room: string;
  speakerId: string;
  speakerName: string;
  srcLang: LanguageCode;
  /** Read at the start of each utterance: who is in the room then decides the translations. */
  targetLangs: () => LanguageCode[];
  /** Read at the start of each utterance: the words of the display names in the room (nameWords()). */
  names?: () => string[];
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

export interface UtterancePublisherOptions {
  redis: Redis;
  context: UtteranceContext;
  /** What all speakers' utterances may hold in memory while Redis is away. */
  outageBudget: OutageBudget;
  log: Logger;
}

/** An utterance's audio stays this long at most if no worker ever finishes it. */
const UTTERANCE_TTL_SECONDS = 600;

/**
 * Writes one speaker's utterances to Redis: the audio chunks to the utterance's own stream and,
 * with its first chunk, an assignment that hands the utterance to one stt worker. While Redis is
 * away the chunks wait, in order, and are written when it is back, so what was said during an
 * outage is still captioned; once the outage budget is full, new utterances are dropped whole
 * (never cut short) and logged.
 */
export class UtterancePublisher {
  private utteranceId: string | undefined;
  /** Whether the current utterance's chunks are dropped (it started with the outage budget full). */
  private dropping = false;
  private utteranceCount = 0;
  /** A speaker gets a new publisher whenever their microphone is set up again: ids must not repeat. */
  private readonly publisherId = randomBytes(4).toString('hex');
  private readonly writes: RedisWriteQueue;
  private readonly log: Logger;

  constructor(private readonly options: UtterancePublisherOptions) {
    this.log = options.log.child({ room: options.context.room, speakerId: options.context.speakerId });
    this.writes = new RedisWriteQueue(options.redis, {
      budget: options.outageBudget,
      onRefused: (err) => this.log.error({ err: err.message }, 'Redis refused utterance audio; that chunk is lost'),
    });
  }

  utteranceStarted(): string {
    this.utteranceCount += 1;
    this.utteranceId = `${this.options.context.speakerId}-${this.publisherId}-${this.utteranceCount}`;
    this.dropping = !this.writes.hasRoom();
    if (this.dropping) {
      this.log.warn({ utteranceId: this.utteranceId, waitingWrites: this.writes.pending }, 'Redis has been away too long: this utterance is not kept (the outage buffer is full)');
    }
    return this.utteranceId;
  }

  chunk(chunk: UtteranceChunk): void {
    const utteranceId = this.utteranceId;
    if (!utteranceId) return;
    if (chunk.final) this.utteranceId = undefined;
    if (this.dropping) return;
    const audio = utteranceAudioStream(utteranceId);
    const c = this.options.context;
    // Read now, not when the write goes out after an outage.
    const assignment =
      chunk.seq === 0
        ? { utteranceId, room: c.room, speakerId: c.speakerId, speakerName: c.speakerName, srcLang: c.srcLang, targetLangs: c.targetLangs(), startedAtMs: Date.now(), names: c.names?.() ?? [] }
        : undefined;
    const cutAtMs = Date.now();
    this.writes.push({
      bytes: chunk.pcm.length,
      build: (multi) => {
        audio.addTo(multi, {
          seq: chunk.seq,
          final: chunk.final,
          pause: chunk.pause,
          endsAtPause: chunk.endsAtPause ?? false,
          endAtMs: chunk.endAtMs,
          pcm: chunk.pcm,
        });
        multi.expire(audio.key, UTTERANCE_TTL_SECONDS);
        if (assignment) STREAMS.sttAssign.addTo(multi, assignment);
      },
      written: () => {
        // One line per utterance at each end of its way into the pipeline; `utteranceId` ties it to the workers' lines.
        const waitedMs = Date.now() - cutAtMs;
        if (assignment) this.log.info({ utteranceId, targetLangs: assignment.targetLangs, ...(waitedMs > 1_000 && { waitedMs }) }, 'utterance started: assigned to speech recognition');
        if (chunk.final) this.log.info({ utteranceId, chunks: chunk.seq + 1, ...(waitedMs > 1_000 && { waitedMs }) }, 'utterance cut: final audio published');
      },
    });
  }

  /** Resolves when every chunk handed in so far has been written (after an outage: once Redis is back). */
  drain(): Promise<void> {
    return this.writes.flushed();
  }
}
