import { SafeEmitter } from '../SafeEmitter.js';
import { EndpointPolicy, levelDb, type EndpointingOptions } from './EndpointPolicy.js';

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
  /** Silence that ends an utterance, when `endpointing` is not given (fixed endpointing). */
  silenceThresholdSeconds?: number;
  /** How much silence ends an utterance; default: fixed, silenceThresholdSeconds. */
  endpointing?: EndpointingOptions;
  /**
   * After this much silence inside an utterance, the audio so far goes out at once in a chunk
   * marked `pause`, so the phrase is decoded and translated before the endpoint confirms it.
   * 0 (the default) sends no such chunk.
   */
  pauseHintSeconds?: number;
  /**
   * Utterances reaching maxUtteranceSeconds are cut at the best pause within this much audio
   * before the cap (held back meanwhile). Default: a third of maxUtteranceSeconds, at most 3 s.
   */
  splitLookbackSeconds?: number;
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
  /** The speaker has paused: with this chunk, every word so far has gone out (see pauseHintSeconds). */
  pause: boolean;
  /** On the final chunk: no speech since the last pause chunk, so the phrase ended there. */
  endsAtPause: boolean;
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
  private readonly endpoint: EndpointPolicy;
  private readonly pauseHintSamples: number;
  private readonly splitLookbackSamples: number;
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
  /** Silence that ends the utterance, decided when the current pause began. */
  private requiredSilenceSamples = 0;
  /** Where the last voiced frame ended when the pause chunk went out (-1: no pause chunk yet). */
  private voicedEndAtPause = -1;
  private pauseHinted = false;
  /** Frames in a row VAD did not call speech: a pause may be starting, though not yet silence. */
  private quietFrames = 0;
  /** Frames near the length cap, where the utterance may be cut; chunks wait until it is. */
  private readonly nearCap: { end: number; silent: boolean; speech: boolean; level: number }[] = [];

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
    const silenceThresholdSeconds = options.silenceThresholdSeconds ?? 0.8;
    this.endpoint = new EndpointPolicy(options.endpointing ?? { mode: 'fixed', silenceSeconds: silenceThresholdSeconds });
    const longestSilenceSamples = seconds(this.endpoint.maxSilenceSeconds, 0.8, 'silenceThresholdSeconds', 0.05);
    this.pauseHintSamples = seconds(options.pauseHintSeconds, 0, 'pauseHintSeconds');
    this.preRollSamples = seconds(options.preRollSeconds, 0.3, 'preRollSeconds');
    this.trailingSilenceSamples = Math.min(
      seconds(options.trailingSilenceSeconds, 0.3, 'trailingSilenceSeconds'),
      longestSilenceSamples,
    );
    this.minSpeechSamples = seconds(options.minSpeechSeconds, 0.25, 'minSpeechSeconds');
    this.maxUtteranceSamples = seconds(options.maxUtteranceSeconds, 15, 'maxUtteranceSeconds', 1);
    this.splitLookbackSamples = Math.min(
      seconds(options.splitLookbackSeconds, Math.min(3, this.maxUtteranceSamples / SEGMENTER_SAMPLE_RATE / 3), 'splitLookbackSeconds'),
      Math.floor(this.maxUtteranceSamples / 2),
    );
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

    const isSpeech = probability >= this.speechProbability;
    const silent = probability < this.silenceProbability;
    if (isSpeech) {
      this.speechFrames += 1;
      this.quietFrames = 0;
      this.pauseHinted = false;
    } else {
      this.quietFrames += 1;
    }
    if (silent) {
      this.silentFrames += 1;
      // Decided once per pause, from the phrase as it stood when the speaker stopped.
      if (this.silentFrames === 1) this.requiredSilenceSamples = Math.round(this.endpoint.requiredSilenceSeconds() * SEGMENTER_SAMPLE_RATE);
    } else {
      this.silentFrames = 0;
      this.voicedEnd = this.classifiedEnd;
      this.endpoint.voicedFrame(levelDb(this.buffer, frameStart - this.bufferStart, frameStart - this.bufferStart + SEGMENTER_FRAME_SAMPLES), SEGMENTER_FRAME_SAMPLES / SEGMENTER_SAMPLE_RATE, isSpeech);
    }
    if (!this.confirmed && this.speechFrames * SEGMENTER_FRAME_SAMPLES >= this.minSpeechSamples) this.confirmed = true;

    if (this.silentFrames > 0 && this.silentFrames * SEGMENTER_FRAME_SAMPLES >= this.requiredSilenceSamples) {
      // Nothing voiced since the pause chunk, which reached the last voiced frame: the worker already has the whole phrase.
      const endsAtPause = this.pauseHinted && this.voicedEnd === this.voicedEndAtPause && this.emittedEnd >= this.voicedEnd;
      this.endUtterance(this.naturalEnd(), endsAtPause);
      return;
    }
    if (this.classifiedEnd > this.holdFrom) {
      const level = levelDb(this.buffer, frameStart - this.bufferStart, frameStart - this.bufferStart + SEGMENTER_FRAME_SAMPLES);
      this.nearCap.push({ end: this.classifiedEnd, silent, speech: isSpeech, level });
    }
    if (this.classifiedEnd - this.utteranceStart >= this.maxUtteranceSamples) {
      this.splitAtBestPause();
      return;
    }
    if (!this.confirmed) return;
    // The hint needs only frames that are not speech: it costs one decode if the speaker goes on.
    if (this.pauseHintSamples > 0 && !this.pauseHinted && this.quietFrames * SEGMENTER_FRAME_SAMPLES >= this.pauseHintSamples) {
      this.pauseHinted = true;
      this.emitReadyChunks();
      this.emitChunk(this.emittableEnd() - this.chunkStart, false, true);
      this.voicedEndAtPause = this.voicedEnd;
      return;
    }
    this.emitReadyChunks();
  }

  /** Where chunks stop while the utterance may still be cut at a pause before the length cap. */
  private get holdFrom(): number {
    return this.utteranceStart + this.maxUtteranceSamples - this.splitLookbackSamples;
  }

  /**
   * The utterance reached its length cap: end it at the longest pause near the cap (or its
   * quietest frame if there was none), and go on with what followed as a new utterance.
   */
  private splitAtBestPause(): void {
    let split = this.classifiedEnd;
    let best = 0;
    for (let i = 0; i < this.nearCap.length; ) {
      if (!this.nearCap[i]!.silent) {
        i += 1;
        continue;
      }
      let j = i;
      while (j < this.nearCap.length && this.nearCap[j]!.silent) j += 1;
      if (j - i >= best) {
        best = j - i;
        // The middle of the pause: each side keeps a little of it.
        split = this.nearCap[i + Math.floor((j - i) / 2)]!.end - SEGMENTER_FRAME_SAMPLES;
      }
      i = j;
    }
    if (best === 0 && this.nearCap.length) {
      const quietest = this.nearCap.reduce((q, f) => (f.level < q.level ? f : q));
      split = quietest.end;
    }
    split = Math.max(split, this.chunkStart);
    const after = this.nearCap.filter((f) => f.end > split);
    this.endUtterance(split);
    if (!after.some((f) => !f.silent)) return;
    this.startUtterance(split, after.filter((f) => f.speech).length);
    let trailingSilent = 0;
    for (const f of after) {
      if (f.silent) trailingSilent += 1;
      else trailingSilent = 0;
    }
    this.silentFrames = trailingSilent;
    const lastVoiced = after.findLast((f) => !f.silent);
    this.voicedEnd = lastVoiced ? lastVoiced.end : split;
    if (trailingSilent > 0) this.requiredSilenceSamples = Math.round(this.endpoint.requiredSilenceSeconds() * SEGMENTER_SAMPLE_RATE);
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
    this.pauseHinted = false;
    this.voicedEndAtPause = -1;
    this.quietFrames = 0;
    this.nearCap.length = 0;
    this.endpoint.reset();
    this.confirmed = speechFrames * SEGMENTER_FRAME_SAMPLES >= this.minSpeechSamples;
    this.emit('utteranceStart', { index: this.index });
    if (this.confirmed) this.emitReadyChunks();
  }

  /** Ends the utterance with its audio up to `end` (by default all but the pause that ended it). */
  private endUtterance(end: number = this.naturalEnd(), endsAtPause = false): void {
    this.inUtterance = false;
    this.nearCap.length = 0;
    if (this.confirmed) {
      while (end - this.chunkStart >= this.chunkSamples) this.emitChunk(this.chunkSamples, false);
      this.emitChunk(end - this.chunkStart, true, false, endsAtPause);
    } else {
      this.emit('utteranceDiscarded', {
        index: this.index,
        speechSeconds: (this.speechFrames * SEGMENTER_FRAME_SAMPLES) / SEGMENTER_SAMPLE_RATE,
      });
    }
    this.discardBefore(Math.min(end, this.classifiedEnd - this.preRollSamples - this.speechStartFrames * SEGMENTER_FRAME_SAMPLES));
  }

  /** Where the utterance ends if it ends now: its audio less all but the trailing allowance of a pause. */
  private naturalEnd(): number {
    return Math.min(this.classifiedEnd, this.voicedEnd + this.trailingSilenceSamples);
  }

  /** Audio may go out up to here: nothing near the length cap until the cut there is known. */
  private emittableEnd(): number {
    return Math.min(this.naturalEnd(), Math.max(this.holdFrom, this.chunkStart));
  }

  private emitReadyChunks(): void {
    const end = this.emittableEnd();
    while (end - this.chunkStart >= this.chunkSamples) this.emitChunk(this.chunkSamples, false);
  }

  private emitChunk(samples: number, final: boolean, pause = false, endsAtPause = false): void {
    const offset = this.chunkStart - this.bufferStart;
    const pcm = Buffer.alloc(samples * 2);
    new Int16Array(pcm.buffer, pcm.byteOffset, samples).set(this.buffer.subarray(offset, offset + samples));
    this.chunkStart += samples;
    this.emittedEnd = this.chunkStart;
    const endAtMs = this.lastAudioEndAtMs - ((this.receivedEnd - this.chunkStart) * 1000) / SEGMENTER_SAMPLE_RATE;
    const seq = this.seq++;
    this.discardBefore(this.chunkStart);
    this.emit('chunk', { index: this.index, seq, final, pause, endsAtPause, pcm, endAtMs });
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
