import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';

/** Silero v5 at 16 kHz is trained on exactly this frame size (32 ms). */
export const VAD_FRAME_SAMPLES = 512;
export const VAD_SAMPLE_RATE = 16_000;
/**
 * v5 expects the tail of the previous frame in front of each frame, as silero-vad's own
 * OnnxWrapper and @ricky0123/vad-web do; without it onsets at a frame edge are missed.
 */
const CONTEXT_SAMPLES = 64;
const STATE_DIMS = [2, 1, 128] as const;
const STATE_SIZE = STATE_DIMS[0] * STATE_DIMS[1] * STATE_DIMS[2];
const INPUT_SAMPLES = CONTEXT_SAMPLES + VAD_FRAME_SAMPLES;

/** One speaker's recurrent VAD state. Calls must not overlap: await each before the next. */
export interface VadStream {
  /** Speech probability of one 512-sample frame of 16 kHz audio scaled to [-1, 1]. */
  probability(frame: Float32Array): Promise<number>;
  reset(): void;
}

/** Anything that hands out per-speaker VAD streams; SileroVad, or a stand-in in tests. */
export interface VadModel {
  createStream(): VadStream;
}

export interface SileroVadLoadOptions {
  /**
   * ONNX Runtime threads per inference. One is right for a 2 MB model run frame by frame:
   * a thread pool costs more in wake-ups than it saves, and speakers run on the event loop anyway.
   */
  intraOpThreads?: number;
  /** Most frames classified in one inference (1: one at a time). Default 16. */
  maxBatch?: number;
}

export function defaultSileroModelPath(): string {
  return createRequire(import.meta.url).resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx');
}

/**
 * Frames of several speakers go through the model together, in one inference. Measured here
 * (onnxruntime on one thread): one frame alone 266 µs, two together 281 µs, four 573, eight 577,
 * sixteen 1,028; so two open microphones cost about what one does once their frames meet.
 */
const MAX_BATCH = 16;

interface PendingFrame {
  /** Context and frame, CONTEXT_SAMPLES + VAD_FRAME_SAMPLES. */
  input: Float32Array;
  /** The stream's recurrent state, STATE_SIZE. */
  state: Float32Array;
  resolve: (result: { probability: number; state: Float32Array }) => void;
  reject: (error: Error) => void;
}

export interface SileroVadStats {
  /** Inferences run. */
  inferences: number;
  /** Frames classified: more than inferences when frames were batched. */
  frames: number;
}

/** The Silero VAD v5 model, loaded once per process and shared by every speaker's stream. */
export class SileroVad implements VadModel {
  private static readonly loaded = new Map<string, Promise<SileroVad>>();

  private readonly sampleRate: ort.Tensor;
  /** Frames waiting for the next inference, from any stream (at most one per stream). */
  private queue: PendingFrame[] = [];
  private flushScheduled = false;
  private running = false;
  private readonly counters: SileroVadStats = { inferences: 0, frames: 0 };

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly maxBatch: number,
  ) {
    this.sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  }

  /** Loads the model once per path; later calls get the same instance. */
  static load(modelPath: string = defaultSileroModelPath(), options: SileroVadLoadOptions = {}): Promise<SileroVad> {
    let pending = SileroVad.loaded.get(modelPath);
    if (!pending) {
      pending = SileroVad.open(modelPath, options);
      SileroVad.loaded.set(modelPath, pending);
      // A failed load must not be cached, or a transient error would disable VAD for good.
      pending.catch(() => SileroVad.loaded.delete(modelPath));
    }
    return pending;
  }

  /** A session of its own, not shared (benches compare settings side by side). */
  static async open(modelPath: string = defaultSileroModelPath(), options: SileroVadLoadOptions = {}): Promise<SileroVad> {
    const threads = options.intraOpThreads ?? 1;
    const maxBatch = options.maxBatch ?? MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const expectInputs = ['input', 'state', 'sr'];
    const expectOutputs = ['output', 'stateN'];
    const missing = [
      ...expectInputs.filter((name) => !session.inputNames.includes(name)),
      ...expectOutputs.filter((name) => !session.outputNames.includes(name)),
    ];
    if (missing.length > 0) {
      await session.release();
      throw new Error(
        `${modelPath} is not a Silero VAD v5 model: it lacks ${missing.join(', ')} ` +
          `(inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
      );
    }
    return new SileroVad(session, maxBatch);
  }

  createStream(): VadStream {
    return new SileroVadStream(this);
  }

  stats(): SileroVadStats {
    return { ...this.counters };
  }

  /** Releases a session from open() (the shared one from load() lives as long as the process). */
  async close(): Promise<void> {
    await this.session.release();
  }

  /**
   * Classifies one frame with its stream's state. Frames handed in before the next turn of the
   * event loop (and while an inference runs) are classified together.
   */
  classify(input: Float32Array, state: Float32Array): Promise<{ probability: number; state: Float32Array }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, state, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** After the pending I/O of this turn has been read, so frames that arrived with it join the batch. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.running) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.queue.splice(0, this.maxBatch);
      if (batch.length === 0) return;
      this.running = true;
      void this.run(batch).finally(() => {
        this.running = false;
        if (this.queue.length > 0) this.scheduleFlush();
      });
    });
  }

  private async run(batch: PendingFrame[]): Promise<void> {
    const n = batch.length;
    const half = STATE_SIZE / 2;
    const input = new Float32Array(n * INPUT_SAMPLES);
    // State is [2, batch, 128]: each stream's two halves go to row b of each of the two layers.
    const state = new Float32Array(n * STATE_SIZE);
    batch.forEach((frame, b) => {
      input.set(frame.input, b * INPUT_SAMPLES);
      state.set(frame.state.subarray(0, half), b * half);
      state.set(frame.state.subarray(half), (n + b) * half);
    });
    try {
      const out = await this.session.run({
        input: new ort.Tensor('float32', input, [n, INPUT_SAMPLES]),
        state: new ort.Tensor('float32', state, [STATE_DIMS[0], n, STATE_DIMS[2]]),
        sr: this.sampleRate,
      });
      const probabilities = out['output']?.data;
      const next = out['stateN']?.data;
      if (!(probabilities instanceof Float32Array) || probabilities.length !== n || !(next instanceof Float32Array) || next.length !== n * STATE_SIZE) {
        throw new Error('Silero VAD returned no probability');
      }
      this.counters.inferences += 1;
      this.counters.frames += n;
      batch.forEach((frame, b) => {
        const own = new Float32Array(STATE_SIZE);
        own.set(next.subarray(b * half, (b + 1) * half), 0);
        own.set(next.subarray((n + b) * half, (n + b + 1) * half), half);
        frame.resolve({ probability: probabilities[b] as number, state: own });
      });
    } catch (error) {
      for (const frame of batch) frame.reject(error as Error);
    }
  }
}

class SileroVadStream implements VadStream {
  /** Context followed by the frame; reused, which is safe because calls never overlap. */
  private readonly input = new Float32Array(INPUT_SAMPLES);
  private state: Float32Array = new Float32Array(STATE_SIZE);
  /** Bumped by reset() so that an inference still running then cannot restore the old state. */
  private generation = 0;
  /** Cleared lazily: a frame still waiting for its batch during reset() is read from the buffer later. */
  private contextStale = false;

  constructor(private readonly model: SileroVad) {}

  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== VAD_FRAME_SAMPLES) {
      throw new RangeError(`a VAD frame is ${VAD_FRAME_SAMPLES} samples, got ${frame.length}`);
    }
    const generation = this.generation;
    if (this.contextStale) {
      this.input.fill(0, 0, CONTEXT_SAMPLES);
      this.contextStale = false;
    }
    this.input.set(frame, CONTEXT_SAMPLES);
    const { probability, state } = await this.model.classify(this.input, this.state);
    if (generation === this.generation) {
      this.state = state;
      this.input.copyWithin(0, VAD_FRAME_SAMPLES, VAD_FRAME_SAMPLES + CONTEXT_SAMPLES);
    }
    return probability;
  }

  reset(): void {
    this.generation += 1;
    this.state = new Float32Array(STATE_SIZE);
    this.contextStale = true;
  }
}
