import type { Redis } from 'ioredis';
import type { CaptionKind } from '@parley/protocol';
import { REDIS_KEYS, audioChunkSchema, fieldsToRecord, type SttAssignment } from '@parley/protocol/streams';
import type { SttEngine } from './SttEngine.js';

export interface RecognisedText {
  kind: CaptionKind;
  seq: number;
  text: string;
  audioEndAtMs: number;
}

export interface UtteranceJobOptions {
  assignment: SttAssignment;
  engine: SttEngine;
  /** A connection of its own: this job blocks on XREAD. */
  reader: Redis;
  interimIntervalSeconds: number;
  /** Gives up on an utterance whose next chunk does not come for this long (speaker vanished). */
  chunkTimeoutMs: number;
  /** Called for each interim and for the final; awaited, so output is written before the ack. */
  onText: (text: RecognisedText) => Promise<void>;
  /** True while this worker still owns the utterance. */
  stillOwned: () => boolean;
  /** Called once per interim interval skipped because more audio was already waiting. */
  onInterimShed?: () => void;
}

export type UtteranceOutcome = 'final' | 'abandoned' | 'lost';

const SAMPLE_RATE_HZ = 16_000;

/** Decodes one utterance as its chunks arrive, replaying it from the first chunk if taken over. */
export class UtteranceJob {
  private lastPartial = '';
  private emittedInterim = false;

  constructor(private readonly options: UtteranceJobOptions) {}

  async run(): Promise<UtteranceOutcome> {
    const { assignment, engine, reader, interimIntervalSeconds, chunkTimeoutMs, onText, stillOwned } = this.options;
    const key = REDIS_KEYS.utteranceAudio(assignment.utteranceId);
    const stream = engine.open(assignment.srcLang);
    let lastId = '0';
    let expectedSeq = 0;
    let samplesSinceInterim = 0;
    let samplesBehind = 0;
    let lastChunkAtMs = Date.now();
    try {
      for (;;) {
        if (!stillOwned()) return 'lost';
        const reply = (await reader.xreadBuffer('COUNT', 50, 'BLOCK', 1_000, 'STREAMS', key, lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
        if (!reply) {
          if (Date.now() - lastChunkAtMs > chunkTimeoutMs || (await reader.exists(key)) === 0) return 'abandoned';
          continue;
        }
        lastChunkAtMs = Date.now();
        const entries = reply[0]?.[1] ?? [];
        for (const [index, [id, fields]] of entries.entries()) {
          lastId = id.toString();
          // More audio already waiting means this worker is behind: interims are shed, never finals.
          const behind = index < entries.length - 1;
          const parsed = audioChunkSchema.safeParse(fieldsToRecord(fields));
          if (!parsed.success) throw new Error(`malformed audio chunk ${lastId}: ${parsed.error.issues[0]?.message}`);
          const chunk = parsed.data;
          if (chunk.seq < expectedSeq) continue;
          expectedSeq = chunk.seq + 1;
          const pcm = chunk.pcm;
          const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length));
          if (samples.length) await stream.write(samples);
          if (chunk.final) {
            const text = (await stream.finish()).trim();
            // An empty final still goes out when interims were shown, so the screen drops them.
            if (text || this.emittedInterim) await onText({ kind: 'final', seq: chunk.seq, text, audioEndAtMs: chunk.endAtMs });
            return 'final';
          }
          samplesSinceInterim += samples.length;
          if (behind) samplesBehind += samples.length;
          if (samplesBehind >= interimIntervalSeconds * SAMPLE_RATE_HZ) {
            samplesBehind = 0;
            this.options.onInterimShed?.();
          }
          if (!behind && samplesSinceInterim >= interimIntervalSeconds * SAMPLE_RATE_HZ) {
            samplesSinceInterim = 0;
            const partial = (await stream.partial()).trim();
            if (partial && partial !== this.lastPartial) {
              this.lastPartial = partial;
              this.emittedInterim = true;
              await onText({ kind: 'interim', seq: chunk.seq, text: partial, audioEndAtMs: chunk.endAtMs });
            }
          }
        }
      }
    } finally {
      stream.close();
    }
  }
}
