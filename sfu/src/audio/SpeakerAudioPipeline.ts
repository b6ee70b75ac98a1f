import { SafeEmitter } from '../SafeEmitter.js';
import { OPUS_SAMPLE_RATE, OpusPcmDecoder } from './OpusPcmDecoder.js';
import { Resampler48kTo16k } from './Resampler48kTo16k.js';
import type { EndpointingOptions } from './EndpointPolicy.js';
import { VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE, type VadModel, type VadStream } from './SileroVad.js';
import {
  UtteranceSegmenter,
  type UtteranceChunkEvent,
  type UtteranceDiscardedEvent,
  type UtteranceStartEvent,
} from './UtteranceSegmenter.js';

export interface SpeakerAudioPipelineOptions {
  /** Shared VAD model (SileroVad.load()); the pipeline takes one stream of it. */
  vad: VadModel;
  /** Fixed endpointing's silence, when `endpointing` is not given. */
  silenceThresholdSeconds?: number;
  endpointing?: EndpointingOptions;
  pauseHintSeconds?: number;
  splitLookbackSeconds?: number;
  maxUtteranceSeconds?: number;
  chunkSeconds?: number;
  preRollSeconds?: number;
  trailingSilenceSeconds?: number;
  minSpeechSeconds?: number;
  speechProbability?: number;
  silenceProbability?: number;
  speechStartFrames?: number;
  /**
   * Audio waiting for VAD beyond this is not run through the model but takes the last known
   * probability, so that a stalled process catches up instead of falling further behind.
   */
  maxVadQueueSeconds?: number;
  reorderWindowPackets?: number;
  /**
   * With no audio at all for this long (the sender vanished without leaving), the current
   * utterance is finalised instead of waiting for packets that may never come. 0 disables it.
   * Defaults to silenceThresholdSeconds + 0.5.
   */
  stallTimeoutSeconds?: number;
  /** Wall clock in ms, for chunks' endAtMs. */
  now?: () => number;
  /** Called when a listener throws or VAD inference fails; the pipeline carries on either way. */
  onError?: (error: unknown, context: string) => void;
  /** Told, per frame, how long after its audio arrived its speech probability was known (queue + inference). */
  onVadDelay?: (seconds: number) => void;
}

export interface SpeakerAudioPipelineEvents {
  utteranceStart: [UtteranceStartEvent];
  chunk: [UtteranceChunkEvent];
  utteranceDiscarded: [UtteranceDiscardedEvent];
}

export interface SpeakerAudioPipelineStats {
  /** RTP packets received (also while paused). */
  packets: number;
  lost: number;
  corrupt: number;
  late: number;
  duplicates: number;
  /** Frames that skipped VAD inference because the queue was too long. */
  vadDrops: number;
  vadErrors: number;
  listenerErrors: number;
  /** 512-sample frames classified. */
  frames: number;
  /** Of those, frames VAD judged to be speech. */
  speechFrames: number;
  utterances: number;
  discardedUtterances: number;
}

interface QueuedFrame {
  kind: 'frame';
  id: number;
  pcm: Int16Array;
  scaled: Float32Array;
  endAtMs: number;
}

interface QueuedMarker {
  /** finalize ends the current utterance; drain only reports that everything before it is done. */
  kind: 'finalize' | 'drain';
  done?: () => void;
}

type QueueItem = QueuedFrame | QueuedMarker;

/** Frame objects are recycled: at 31 frames a second per speaker the garbage adds up. */
const FRAME_POOL_LIMIT = 64;
/**
 * A sender in DTX (OPUS_DTX: browsers stop sending in silence, a pair of packets every 400 ms)
 * that sent nothing for this long: the pause is filled in as it passes. Above the jitter of a
 * packet stream that is still flowing, well below the shortest endpoint.
 */
const SILENCE_FILL_AFTER_MS = 100;
/** Then the silence is filled in this often while it lasts. */
const SILENCE_FILL_EVERY_MS = 40;

/**
 * One speaker's audio path in the SFU: Opus RTP → 48 kHz PCM → 16 kHz → Silero VAD →
 * utterance chunks. VAD runs strictly in order, one inference at a time per speaker.
 */
export class SpeakerAudioPipeline extends SafeEmitter<SpeakerAudioPipelineEvents> {
  private readonly decoder: OpusPcmDecoder;
  private readonly resampler = new Resampler48kTo16k();
  private readonly vadStream: VadStream;
  private readonly segmenter: UtteranceSegmenter;
  private readonly now: () => number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly onVadDelay: ((seconds: number) => void) | undefined;
  private readonly maxQueuedFrames: number;
  private readonly stallTimeoutMs: number;
  private stallTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  /** Wall clock of the last packet, and up to where the audio since then is accounted for. */
  private lastPacketAtMs = 0;
  private audioUntilMs = 0;
  private readonly maxSilenceFillMs: number;

  /** Frame being filled from resampled audio. */
  private current: QueuedFrame;
  private currentLength = 0;
  private readonly pool: QueuedFrame[] = [];
  private nextFrameId = 0;
  /** Queued frames with an id below this take the last probability instead of an inference. */
  private skipInferenceBelowId = 0;
  private queue: QueueItem[] = [];
  private queueHead = 0;
  private queuedFrames = 0;
  private pumping = false;
  private lastProbability = 0;
  private readonly speechProbability: number;
  private paused = false;
  private closed = false;
  /** Packets ignored while paused, counted so that stats still show the sender is alive. */
  private pausedPackets = 0;
  private readonly counters = {
    vadDrops: 0,
    vadErrors: 0,
    listenerErrors: 0,
    frames: 0,
    speechFrames: 0,
    utterances: 0,
    discardedUtterances: 0,
  };

  constructor(options: SpeakerAudioPipelineOptions) {
    super((error, event) => {
      this.counters.listenerErrors += 1;
      this.reportError(error, `${event} listener`);
    });
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
    this.onVadDelay = options.onVadDelay;
    const endpointing: EndpointingOptions = options.endpointing ?? { mode: 'fixed', silenceSeconds: options.silenceThresholdSeconds ?? 0.8 };
    // The longest silence that may still end an utterance: gaps and stalls must outlast it.
    const silenceThresholdSeconds = endpointing.mode === 'fixed' ? endpointing.silenceSeconds : endpointing.maxSilenceSeconds;
    this.speechProbability = options.speechProbability ?? 0.5;
    // A sender that stops sending must still end its utterance through the filled-in silence.
    const maxGapFillSeconds = Math.max(2, silenceThresholdSeconds + 0.5);
    this.maxSilenceFillMs = maxGapFillSeconds * 1000;
    this.decoder = new OpusPcmDecoder({
      onPcm: (pcm) => this.onPcm48k(pcm),
      reorderWindowPackets: options.reorderWindowPackets,
      maxGapFillSeconds,
    });
    this.vadStream = options.vad.createStream();
    this.segmenter = new UtteranceSegmenter({
      endpointing,
      pauseHintSeconds: options.pauseHintSeconds,
      splitLookbackSeconds: options.splitLookbackSeconds,
      maxUtteranceSeconds: options.maxUtteranceSeconds,
      chunkSeconds: options.chunkSeconds,
      preRollSeconds: options.preRollSeconds,
      trailingSilenceSeconds: options.trailingSilenceSeconds,
      minSpeechSeconds: options.minSpeechSeconds,
      speechProbability: options.speechProbability,
      silenceProbability: options.silenceProbability,
      speechStartFrames: options.speechStartFrames,
      now: this.now,
    });
    this.segmenter.on('utteranceStart', (event) => {
      this.counters.utterances += 1;
      this.emit('utteranceStart', event);
    });
    this.segmenter.on('chunk', (event) => this.emit('chunk', event));
    this.segmenter.on('utteranceDiscarded', (event) => {
      this.counters.discardedUtterances += 1;
      this.emit('utteranceDiscarded', event);
    });
    const maxVadQueueSeconds = options.maxVadQueueSeconds ?? 3;
    this.maxQueuedFrames = Math.max(1, Math.round((maxVadQueueSeconds * VAD_SAMPLE_RATE) / VAD_FRAME_SAMPLES));
    this.current = this.takeFrame();
    this.stallTimeoutMs = Math.max(0, (options.stallTimeoutSeconds ?? silenceThresholdSeconds + 0.5) * 1000);
  }

  /** One Opus RTP payload as received (any order; losses and duplicates are handled). */
  pushRtp(payload: Buffer, sequenceNumber: number, rtpTimestamp: number): void {
    if (this.closed) return;
    if (this.paused) {
      this.pausedPackets += 1;
      return;
    }
    this.armStallTimer();
    this.decoder.push(payload, sequenceNumber, rtpTimestamp);
    this.lastPacketAtMs = this.audioUntilMs = this.now();
    // Only a sender in DTX goes quiet on purpose; a stream without it keeps no timer at all.
    if (this.decoder.inDtxPause) this.armSilenceFill();
    else this.disarmSilenceFill();
  }

  /** 16 kHz mono PCM from a source other than RTP. */
  pushPcm16k(samples: Int16Array): void {
    if (this.closed || this.paused) return;
    this.armStallTimer();
    this.onPcm16k(samples, this.now());
  }

  /**
   * A paused (muted) speaker's audio is ignored. Pausing finalises the current utterance once the
   * audio received before the pause has been classified; nothing follows until unpaused.
   */
  setPaused(paused: boolean): void {
    if (this.closed || paused === this.paused) return;
    if (paused) {
      this.disarmStallTimer();
      this.disarmSilenceFill();
      this.decoder.flush();
      this.enqueue({ kind: 'finalize' });
      // What comes after the pause is not a continuation of what came before.
      this.decoder.reset();
      this.resampler.reset();
      this.currentLength = 0;
    }
    this.paused = paused;
  }

  /** Finalises the current utterance after all audio received so far; resolves once that is done. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.decoder.flush();
    return new Promise((resolve) => this.enqueue({ kind: 'finalize', done: resolve }));
  }

  /** Resolves once all audio received so far has been through VAD and the segmenter. */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.enqueue({ kind: 'drain', done: resolve }));
  }

  /** Stops at once without finalising (flush() first for that); idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.disarmStallTimer();
    this.disarmSilenceFill();
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const item = this.queue[i];
      if (item && item.kind !== 'frame') item.done?.();
    }
    this.queue = [];
    this.queueHead = 0;
    this.queuedFrames = 0;
    this.pool.length = 0;
  }

  stats(): SpeakerAudioPipelineStats {
    const decoder = this.decoder.stats();
    return {
      packets: decoder.packets + this.pausedPackets,
      lost: decoder.lost,
      corrupt: decoder.corrupt,
      late: decoder.late,
      duplicates: decoder.duplicates,
      ...this.counters,
    };
  }

  private armStallTimer(): void {
    if (this.stallTimeoutMs === 0) return;
    if (this.stallTimer) {
      // refresh() re-arms the same timer: far cheaper than a new one for every packet.
      this.stallTimer.refresh();
      return;
    }
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.closed || this.paused) return;
      this.decoder.flush();
      this.enqueue({ kind: 'finalize' });
    }, this.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private disarmStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** After a DTX frame: if no packet follows soon, the pause is filled in as it passes. */
  private armSilenceFill(): void {
    this.disarmSilenceFill();
    this.silenceTimer = setTimeout(() => this.fillSilence(), SILENCE_FILL_AFTER_MS);
    this.silenceTimer.unref();
  }

  /**
   * Hands the VAD the silence of a DTX pause as it passes, so that a phrase ends on time rather
   * than when the next packet (hundreds of ms later) shows the gap. Only after a DTX frame (the
   * decoder's rule) and while the speaker was last heard quiet.
   */
  private fillSilence(): void {
    this.silenceTimer = undefined;
    if (this.closed || this.paused) return;
    const now = this.now();
    if (now - this.lastPacketAtMs > this.maxSilenceFillMs) return;
    if (this.lastProbability < this.speechProbability) {
      const samples = Math.round(((now - this.audioUntilMs) * OPUS_SAMPLE_RATE) / 1000);
      if (samples > 0 && this.decoder.fillSilence(samples) > 0) this.audioUntilMs = now;
    }
    this.silenceTimer = setTimeout(() => this.fillSilence(), SILENCE_FILL_EVERY_MS);
    this.silenceTimer.unref();
  }

  private disarmSilenceFill(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private onPcm48k(pcm: Int16Array): void {
    const arrivedAtMs = this.now();
    this.onPcm16k(this.resampler.process(pcm), arrivedAtMs);
  }

  /** `arrivedAtMs` is the wall-clock time of the last sample of `samples`. */
  private onPcm16k(samples: Int16Array, arrivedAtMs: number): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(VAD_FRAME_SAMPLES - this.currentLength, samples.length - offset);
      const frame = this.current;
      const base = this.currentLength;
      for (let i = 0; i < take; i++) {
        const sample = samples[offset + i] as number;
        frame.pcm[base + i] = sample;
        frame.scaled[base + i] = sample / 32_768;
      }
      offset += take;
      this.currentLength += take;
      if (this.currentLength === VAD_FRAME_SAMPLES) {
        frame.endAtMs = arrivedAtMs - ((samples.length - offset) * 1000) / VAD_SAMPLE_RATE;
        frame.id = this.nextFrameId++;
        this.enqueue(frame);
        this.current = this.takeFrame();
        this.currentLength = 0;
      }
    }
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    if (item.kind === 'frame') {
      this.queuedFrames += 1;
      if (this.queuedFrames > this.maxQueuedFrames) {
        // Skip the oldest waiting frames: the newest audio is what decides the utterance's end.
        // Waiting frames have consecutive ids, the newest being nextFrameId - 1.
        const skipBelow = this.nextFrameId - this.maxQueuedFrames;
        const oldestWaiting = this.nextFrameId - this.queuedFrames;
        const from = Math.max(this.skipInferenceBelowId, oldestWaiting);
        if (skipBelow > from) {
          this.counters.vadDrops += skipBelow - from;
          this.skipInferenceBelowId = skipBelow;
        }
      }
    }
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.closed && this.queueHead < this.queue.length) {
        const item = this.queue[this.queueHead] as QueueItem;
        this.queue[this.queueHead] = undefined as unknown as QueueItem;
        this.queueHead += 1;
        if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.queueHead);
          this.queueHead = 0;
        }
        if (item.kind !== 'frame') {
          if (item.kind === 'finalize') {
            this.guard(() => this.segmenter.finalize(), 'finalize');
            this.vadStream.reset();
            this.lastProbability = 0;
          }
          item.done?.();
          continue;
        }
        this.queuedFrames -= 1;
        let probability = this.lastProbability;
        if (item.id >= this.skipInferenceBelowId) {
          try {
            probability = await this.vadStream.probability(item.scaled);
          } catch (error) {
            this.counters.vadErrors += 1;
            this.reportError(error, 'vad inference');
          }
          if (this.closed) return;
        }
        this.lastProbability = probability;
        this.counters.frames += 1;
        this.onVadDelay?.(Math.max(0, this.now() - item.endAtMs) / 1_000);
        if (probability >= this.speechProbability) this.counters.speechFrames += 1;
        this.guard(() => {
          this.segmenter.pushAudio(item.pcm, item.endAtMs);
          this.segmenter.pushProbability(probability);
        }, 'segmenter');
        if (this.pool.length < FRAME_POOL_LIMIT) this.pool.push(item);
      }
    } finally {
      this.pumping = false;
    }
  }

  private takeFrame(): QueuedFrame {
    return (
      this.pool.pop() ?? {
        kind: 'frame',
        id: 0,
        pcm: new Int16Array(VAD_FRAME_SAMPLES),
        scaled: new Float32Array(VAD_FRAME_SAMPLES),
        endAtMs: 0,
      }
    );
  }

  /** Keeps the queue running whatever happens to one item; the pump has no caller to throw to. */
  private guard(step: () => void, context: string): void {
    try {
      step();
    } catch (error) {
      this.reportError(error, context);
    }
  }

  private reportError(error: unknown, context: string): void {
    try {
      this.onError(error, context);
    } catch {
      // An error reporter that throws has nowhere left to report to.
    }
  }
}
