import type { Redis } from 'ioredis';
import type { CaptionKind } from '@parley/protocol';
import { pcmSamples, utteranceAudioStream, type SttAssignment } from '@parley/protocol/streams';
import type { ProperNouns } from '../text/properNouns.js';
import { readableText } from '../text/readableText.js';
import type { SttEngine, SttStream } from './SttEngine.js';

export interface RecognisedText {
  kind: CaptionKind;
  seq: number;
  text: string;
  audioEndAtMs: number;
}

export interface UtteranceJobOptions {
  assignment: SttAssignment;
  engine: SttEngine;
  /** Clean the engine's words up for reading (engines that give bare lower-case words). */
  readableText: boolean;
  /** Names to write with their capitals in readable text. */
  properNouns?: ProperNouns;
  /** A connection of its own: this job blocks on XREAD. */
  reader: Redis;
  interimIntervalSeconds: number;
  /** Gives up on an utterance whose next chunk does not come for this long (speaker vanished). */
  chunkTimeoutMs: number;
  /**
   * Taken over from a worker that died: the audio already in Redis is decoded without interims,
   * so no caption goes out with a lower sequence number than one already shown.
   */
  replaying?: boolean;
  /** Called for each interim and for the final; awaited, so output is written before the ack. */
  onText: (text: RecognisedText) => Promise<void>;
  /** True while this worker still owns the utterance. */
  stillOwned: () => boolean;
  /** Called once per interim interval skipped because more audio was already waiting. */
  onInterimShed?: () => void;
}

export type UtteranceOutcome = 'final' | 'abandoned' | 'lost';

const SAMPLE_RATE_HZ = 16_000;
/** Chunks read per XREAD; a read that returns this many may have more waiting behind it. */
const READ_COUNT = 50;

/** Decodes one utterance as its chunks arrive, replaying it from the first chunk if taken over. */
export class UtteranceJob {
  private lastInterim = '';
  private emittedInterim = false;

  constructor(private readonly options: UtteranceJobOptions) {}

  async run(): Promise<UtteranceOutcome> {
    const { assignment, engine, reader, interimIntervalSeconds, chunkTimeoutMs, onText, stillOwned } = this.options;
    const audio = utteranceAudioStream(assignment.utteranceId);
    const stream = engine.open(assignment.srcLang);
    let lastId = '0';
    let expectedSeq = 0;
    let samplesSinceInterim = 0;
    let samplesBehind = 0;
    let lastChunkAtMs = Date.now();
    let caughtUp = !this.options.replaying;
    try {
      for (;;) {
        if (!stillOwned()) return 'lost';
        const reply = (await reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', 1_000, 'STREAMS', audio.key, lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
        if (!reply) {
          caughtUp = true;
          if (Date.now() - lastChunkAtMs > chunkTimeoutMs || (await reader.exists(audio.key)) === 0) return 'abandoned';
          continue;
        }
        lastChunkAtMs = Date.now();
        const entries = reply[0]?.[1] ?? [];
        if (entries.length < READ_COUNT) caughtUp = true;
        for (const [index, [id, fields]] of entries.entries()) {
          lastId = id.toString();
          // More audio already waiting means this worker is behind: interims are shed, never finals.
          const behind = !caughtUp || index < entries.length - 1;
          const parsed = audio.parse(fields);
          if (!parsed.ok) throw new Error(`malformed audio chunk ${lastId}: ${parsed.error}`);
          const chunk = parsed.value;
          if (chunk.seq < expectedSeq) continue;
          expectedSeq = chunk.seq + 1;
          const samples = pcmSamples(chunk.pcm);
          // A phrase that ended at its pause chunk: the stream already holds all of it (and, after a
          // complete partial, its final text); the quiet that confirmed the end adds nothing.
          const quietTail = chunk.final && chunk.endsAtPause;
          if (samples.length && !quietTail) await stream.write(samples);
          if (chunk.final) {
            const text = this.shown(stream, await stream.finish(), true);
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
          // At a pause the whole phrase so far goes out at once: readers see all of it before the final.
          const due = chunk.pause || samplesSinceInterim >= interimIntervalSeconds * SAMPLE_RATE_HZ;
          if (!behind && due) {
            samplesSinceInterim = 0;
            const text = this.shown(stream, await stream.partial({ complete: chunk.pause }), false);
            if (text && text !== this.lastInterim) {
              this.lastInterim = text;
              this.emittedInterim = true;
              await onText({ kind: 'interim', seq: chunk.seq, text, audioEndAtMs: chunk.endAtMs });
            }
          }
        }
      }
    } finally {
      stream.close();
    }
  }

  /** What readers see of the engine's text. */
  private shown(stream: SttStream, raw: string, final: boolean): string {
    const text = raw.trim();
    if (!this.options.readableText || !text) return text;
    return readableText(stream.words?.() ?? text, { final, properNouns: this.options.properNouns });
  }
}
