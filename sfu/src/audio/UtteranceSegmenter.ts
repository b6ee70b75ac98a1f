import { SafeEmitter } from '../SafeEmitter.js';

export const SEGMENTER_SAMPLE_RATE = 16_000;
/** One VAD probability covers this many samples (Silero v5 at 16 kHz). */
export const SEGMENTER_FRAME_SAMPLES = 512;
/** Chunks are capped by the audio chunk schema shared with the workers (2 s of 16 kHz s16le). */
export const MAX_CHUNK_SECONDS = 2;

export interface UtteranceSegmenterOptions {
  /** A frame at or above this probability counts as speech. */
  speechProbability?: number;
  /** A frame below this probability counts as silence; between the two, the current state holds. */
  silenceProbability?: number;
  /** Consecutive speech frames that open an utterance; one loud frame is usually a click. */
  speechStartFrames?: number;
  /** Silence that ends an utterance. */
  silenceThresholdSeconds?: number;
  /** Audio before the detected onset that is kept, since VAD fires a little after a word begins. */
  preRollSeconds?: number;
  /** Of the silence that ended an utterance, at most this much goes out with the final chunk. */
  trailingSilenceSeconds?: number;
  /** Utterances with less speech than this are dropped, not finalised (coughs, clicks, bumps). */
  minSpeechSeconds?: number;
  /** Longer speech is cut into several utterances so that captions keep coming. */
  maxUtteranceSeconds?: number;
  /** Audio per non-final chunk; at most 2 s. */
  chunkSeconds?: number;
  /** Wall clock in ms, for chunks' endAtMs. */
  now?: () => number;
}

export interface UtteranceStartEvent {
  /** Counts utterances of this segmenter from 0, discarded ones included. */
  index: number;
}

export interface UtteranceChunkEvent {
  index: number;
  /** Position of the chunk in its utterance, from 0. */
  seq: number;
  /** The last chunk of the utterance; it carries the rest of the audio and may be short or empty. */
  final: boolean;
  /** 16 kHz mono s16le, at most 2 s. */
  pcm: Buffer;
  /** Wall-clock ms of the chunk's last sample. */
  endAtMs: number;
}

export interface UtteranceDiscardedEvent {
  index: number;
  /** Speech the utterance had, below minSpeechSeconds. */
  speechSeconds: number;
}

export interface UtteranceSegmenterEvents {
  utteranceStart: [UtteranceStartEvent];
  chunk: [UtteranceChunkEvent];
  utteranceDiscarded: [UtteranceDiscardedEvent];
}

/**
 * Cuts a speaker's 16 kHz audio into utterances from per-frame speech probabilities, with
 * hysteresis, pre-roll and a length cap, and hands each one out as a series of chunks.
 *
 * Audio (any chunk size) and probabilities (one per 512-sample frame, in order) are pushed
 * separately; each probability classifies the oldest frame not yet classified, whichever of the
 * two arrives first. Chunks of an utterance are held back until it has enough speech to be kept,
 * so a discarded utterance never emitted any chunk.
 */
export class UtteranceSegmenter extends SafeEmitter<UtteranceSegmenterEvents> {
  private readonly speechProbability: number;
  private readonly silenceProbability: number;
  private readonly speechStartFrames: number;
  private readonly silenceThresholdSamples: number;
  private readonly preRollSamples: number;
  private readonly trailingSilenceSamples: number;
  private readonly minSpeechSamples: number;
  private readonly maxUtteranceSamples: number;
  private readonly chunkSamples: number;
  private readonly now: () => number;

  /** Received audio from global sample index `bufferStart` on; older audio is no longer needed. */
  private buffer: Int16Array;
  private bufferStart = 0;
  private bufferLength = 0;
  /** Global index just past the last classified frame. */
  private classifiedEnd = 0;
  private lastAudioEndAtMs = 0;
  private readonly pendingProbabilities: number[] = [];

  private utteranceCount = 0;
  private inUtterance = false;
  private index = -1;
  private seq = 0;
  private utteranceStart = 0;
  /** Next sample of the current utterance to go out in a chunk. */
  private chunkStart = 0;
  /** End of everything ever emitted, so that pre-roll never repeats audio already sent. */
  private emittedEnd = 0;
  /** End of the last frame that was not silence. */
  private voicedEnd = 0;
  private speechFrames = 0;
  private silentFrames = 0;
  private confirmed = false;
  /** Speech frames in a row while idle, and where that run began. */
  private onsetFrames = 0;
  private onsetStart = 0;

  constructor(options: UtteranceSegmenterOptions = {}) {
    super();
    const seconds = (value: number | undefined, fallback: number, name: string, min = 0): number => {
      const s = value ?? fallback;
      if (!Number.isFinite(s) || s < min) throw new RangeError(`${name} must be a number ≥ ${min}`);
      return Math.round(s * SEGMENTER_SAMPLE_RATE);
    };
    this.speechProbability = options.speechProbability ?? 0.5;
    this.silenceProbability = options.silenceProbability ?? 0.35;
    if (this.silenceProbability > this.speechProbability) {
      throw new RangeError('silenceProbability must not be above speechProbability');
    }
    this.speechStartFrames = Math.max(1, Math.floor(options.speechStartFrames ?? 2));
    this.silenceThresholdSamples = seconds(options.silenceThresholdSeconds, 0.8, 'silenceThresholdSeconds', 0.05);
    this.preRollSamples = seconds(options.preRollSeconds, 0.3, 'preRollSeconds');
    this.trailingSilenceSamples = Math.min(
      seconds(options.trailingSilenceSeconds, 0.3, 'trailingSilenceSeconds'),
      this.silenceThresholdSamples,
    );
    this.minSpeechSamples = seconds(options.minSpeechSeconds, 0.25, 'minSpeechSeconds');
    this.maxUtteranceSamples = seconds(options.maxUtteranceSeconds, 15, 'maxUtteranceSeconds', 1);
    this.chunkSamples = seconds(options.chunkSeconds, 0.5, 'chunkSeconds', 0.02);
    if (this.chunkSamples > MAX_CHUNK_SECONDS * SEGMENTER_SAMPLE_RATE) {
      throw new RangeError(`chunkSeconds must be at most ${MAX_CHUNK_SECONDS}`);
    }
    this.now = options.now ?? Date.now;
    this.buffer = new Int16Array(this.maxUtteranceSamples + this.preRollSamples + 4 * SEGMENTER_FRAME_SAMPLES);
  }

  /** Whether an utterance is open (it may still turn out too short and be discarded). */
  get speaking(): boolean {
    return this.inUtterance;
  }

  /** Appends audio; `endAtMs` is the wall-clock time of its last sample. */
  pushAudio(pcm: Int16Array, endAtMs: number = this.now()): void {
    if (pcm.length === 0) return;
    this.reserve(pcm.length);
    this.buffer.set(pcm, this.bufferLength);
    this.bufferLength += pcm.length;
    this.lastAudioEndAtMs = endAtMs;
    this.classifyPending();
  }

  /** Speech probability of the next 512-sample frame. */
  pushProbability(probability: number): void {
    this.pendingProbabilities.push(Number.isFinite(probability) ? probability : 0);
    this.classifyPending();
  }

  /**
   * Ends the current utterance now (final chunk, or discarded if too short) and treats what
   * follows as unrelated audio: no pre-roll reaches back before this point.
   */
  finalize(): void {
    if (this.inUtterance) this.endUtterance();
    const end = this.receivedEnd;
    this.bufferStart = end;
    this.bufferLength = 0;
    this.classifiedEnd = end;
    this.emittedEnd = end;
    this.pendingProbabilities.length = 0;
    this.onsetFrames = 0;
  }

  private get receivedEnd(): number {
    return this.bufferStart + this.bufferLength;
  }

  private classifyPending(): void {
    let used = 0;
    while (used < this.pendingProbabilities.length && this.receivedEnd - this.classifiedEnd >= SEGMENTER_FRAME_SAMPLES) {
      this.onFrame(this.pendingProbabilities[used] as number);
      used += 1;
    }
    if (used > 0) this.pendingProbabilities.splice(0, used);
  }

  private onFrame(probability: number): void {
    const frameStart = this.classifiedEnd;
    this.classifiedEnd += SEGMENTER_FRAME_SAMPLES;
    if (!this.inUtterance) {
      if (probability >= this.speechProbability) {
        if (this.onsetFrames === 0) this.onsetStart = frameStart;
        this.onsetFrames += 1;
      } else {
        this.onsetFrames = 0;
      }
      if (this.onsetFrames >= this.speechStartFrames) {
        this.startUtterance(this.onsetStart - this.preRollSamples, this.onsetFrames);
      } else {
        this.discardBefore(this.classifiedEnd - this.preRollSamples - this.speechStartFrames * SEGMENTER_FRAME_SAMPLES);
      }
      return;
    }

    if (probability >= this.speechProbability) this.speechFrames += 1;
    if (probability < this.silenceProbability) {
      this.silentFrames += 1;
    } else {
      this.silentFrames = 0;
      this.voicedEnd = this.classifiedEnd;
    }
    if (!this.confirmed && this.speechFrames * SEGMENTER_FRAME_SAMPLES >= this.minSpeechSamples) this.confirmed = true;

    if (this.silentFrames * SEGMENTER_FRAME_SAMPLES >= this.silenceThresholdSamples) {
      this.endUtterance();
      return;
    }
    if (this.classifiedEnd - this.utteranceStart >= this.maxUtteranceSamples) {
      const stillSpeaking = this.silentFrames === 0;
      this.endUtterance();
      // Cut mid-speech: the next utterance starts right here, without pre-roll (already sent).
      if (stillSpeaking) this.startUtterance(this.classifiedEnd, 0);
      return;
    }
    if (this.confirmed) this.emitReadyChunks();
  }

  private startUtterance(from: number, speechFrames: number): void {
    const start = Math.max(from, this.emittedEnd, this.bufferStart);
    this.discardBefore(start);
    this.inUtterance = true;
    this.index = this.utteranceCount++;
    this.seq = 0;
    this.utteranceStart = start;
    this.chunkStart = start;
    this.voicedEnd = this.classifiedEnd;
    this.speechFrames = speechFrames;
    this.silentFrames = 0;
    this.onsetFrames = 0;
    this.confirmed = speechFrames * SEGMENTER_FRAME_SAMPLES >= this.minSpeechSamples;
    this.emit('utteranceStart', { index: this.index });
    if (this.confirmed) this.emitReadyChunks();
  }

  private endUtterance(): void {
    this.inUtterance = false;
    if (this.confirmed) {
      const end = this.emittableEnd();
      while (end - this.chunkStart >= this.chunkSamples) this.emitChunk(this.chunkSamples, false);
      this.emitChunk(end - this.chunkStart, true);
    } else {
      this.emit('utteranceDiscarded', {
        index: this.index,
        speechSeconds: (this.speechFrames * SEGMENTER_FRAME_SAMPLES) / SEGMENTER_SAMPLE_RATE,
      });
    }
    this.discardBefore(this.classifiedEnd - this.preRollSamples - this.speechStartFrames * SEGMENTER_FRAME_SAMPLES);
  }

  /** Audio may go out up to here: a silence in progress only up to the trailing allowance. */
  private emittableEnd(): number {
    return Math.min(this.classifiedEnd, this.voicedEnd + this.trailingSilenceSamples);
  }

  private emitReadyChunks(): void {
    const end = this.emittableEnd();
    while (end - this.chunkStart >= this.chunkSamples) this.emitChunk(this.chunkSamples, false);
  }

  private emitChunk(samples: number, final: boolean): void {
    const offset = this.chunkStart - this.bufferStart;
    const pcm = Buffer.alloc(samples * 2);
    new Int16Array(pcm.buffer, pcm.byteOffset, samples).set(this.buffer.subarray(offset, offset + samples));
    this.chunkStart += samples;
    this.emittedEnd = this.chunkStart;
    const endAtMs = this.lastAudioEndAtMs - ((this.receivedEnd - this.chunkStart) * 1000) / SEGMENTER_SAMPLE_RATE;
    const seq = this.seq++;
    this.discardBefore(this.chunkStart);
    this.emit('chunk', { index: this.index, seq, final, pcm, endAtMs });
  }

  private discardBefore(globalIndex: number): void {
    const drop = Math.min(globalIndex, this.classifiedEnd) - this.bufferStart;
    if (drop <= 0) return;
    this.buffer.copyWithin(0, drop, this.bufferLength);
    this.bufferLength -= drop;
    this.bufferStart += drop;
  }

  private reserve(extra: number): void {
    const needed = this.bufferLength + extra;
    if (needed <= this.buffer.length) return;
    const grown = new Int16Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.bufferLength));
    this.buffer = grown;
  }
}
