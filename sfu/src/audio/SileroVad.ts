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
}

export function defaultSileroModelPath(): string {
  return createRequire(import.meta.url).resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx');
}

/** The Silero VAD v5 model, loaded once per process and shared by every speaker's stream. */
export class SileroVad implements VadModel {
  private static readonly loaded = new Map<string, Promise<SileroVad>>();

  private readonly sampleRate: ort.Tensor;

  private constructor(private readonly session: ort.InferenceSession) {
    this.sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  }

  /** Loads the model once per path; later calls get the same instance. */
  static load(modelPath: string = defaultSileroModelPath(), options: SileroVadLoadOptions = {}): Promise<SileroVad> {
    let pending = SileroVad.loaded.get(modelPath);
    if (!pending) {
      pending = SileroVad.create(modelPath, options);
      SileroVad.loaded.set(modelPath, pending);
      // A failed load must not be cached, or a transient error would disable VAD for good.
      pending.catch(() => SileroVad.loaded.delete(modelPath));
    }
    return pending;
  }

  private static async create(modelPath: string, options: SileroVadLoadOptions): Promise<SileroVad> {
    const threads = options.intraOpThreads ?? 1;
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
    return new SileroVad(session);
  }

  createStream(): VadStream {
    return new SileroVadStream(this.session, this.sampleRate);
  }
}

class SileroVadStream implements VadStream {
  /** Context followed by the frame; reused, which is safe because calls never overlap. */
  private readonly input = new Float32Array(CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  private readonly inputTensor: ort.Tensor;
  private state: ort.Tensor;
  /** Bumped by reset() so that an inference still running then cannot restore the old state. */
  private generation = 0;
  /** Cleared lazily: an inference in flight during reset() may still be reading the buffer. */
  private contextStale = false;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly sampleRate: ort.Tensor,
  ) {
    this.inputTensor = new ort.Tensor('float32', this.input, [1, this.input.length]);
    this.state = zeroState();
  }

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
    const out = await this.session.run({ input: this.inputTensor, state: this.state, sr: this.sampleRate });
    if (generation === this.generation) {
      const next = out['stateN'];
      if (next) this.state = next;
      this.input.copyWithin(0, VAD_FRAME_SAMPLES, VAD_FRAME_SAMPLES + CONTEXT_SAMPLES);
    }
    const value = out['output']?.data[0];
    if (typeof value !== 'number') throw new Error('Silero VAD returned no probability');
    return value;
  }

  reset(): void {
    this.generation += 1;
    this.state = zeroState();
    this.contextStale = true;
  }
}

function zeroState(): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(STATE_SIZE), [...STATE_DIMS]);
}
