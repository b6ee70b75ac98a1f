const DECIMATION = 3;

export interface Resampler48kTo16kOptions {
  /** Odd, so that the filter has a whole-sample delay. 127 taps is about 62 dB of stopband at 8.2 kHz. */
  taps?: number;
  /** Passband edge of the anti-alias filter; the 16 kHz output can hold at most 8 kHz. */
  cutoffHz?: number;
  /** Kaiser window shape: higher trades a wider transition band for more stopband attenuation. */
  kaiserBeta?: number;
  /** Input samples per call the buffers are first sized for; larger calls grow them once. */
  initialCapacitySamples?: number;
}

/**
 * Streaming 48 kHz → 16 kHz mono: a windowed-sinc low-pass, evaluated only at every third input
 * sample. The filter history survives between calls, so any chunking gives the same output.
 */
export class Resampler48kTo16k {
  private readonly coefficients: Float64Array;
  private readonly historyLength: number;
  /** The last (taps - 1) input samples, followed by the current call's input. */
  private work: Float32Array;
  private output: Int16Array;
  /** How many input samples to skip before the next output sample is due (0, 1 or 2). */
  private phase = 0;

  constructor(options: Resampler48kTo16kOptions = {}) {
    const taps = options.taps ?? 127;
    if (!Number.isInteger(taps) || taps < 3 || taps % 2 === 0) throw new RangeError('taps must be an odd integer ≥ 3');
    this.coefficients = designLowPass(taps, (options.cutoffHz ?? 7_500) / 48_000, options.kaiserBeta ?? 6);
    this.historyLength = taps - 1;
    const capacity = Math.max(1, options.initialCapacitySamples ?? 4_800);
    this.work = new Float32Array(this.historyLength + capacity);
    this.output = new Int16Array(Math.ceil(capacity / DECIMATION));
  }

  /** Number of 16 kHz samples the filter lags behind its input (its group delay, rounded down). */
  get delaySamples16k(): number {
    return Math.floor(this.historyLength / 2 / DECIMATION);
  }

  /**
   * Returns the 16 kHz samples that `input` completes. The result is a view into a buffer reused
   * by the next call: copy it if it must outlive that.
   */
  process(input: Int16Array): Int16Array {
    const history = this.historyLength;
    const total = history + input.length;
    if (total > this.work.length) this.grow(input.length);
    const work = this.work;
    for (let i = 0; i < input.length; i++) work[history + i] = input[i] as number;

    const h = this.coefficients;
    const middle = history / 2;
    const centre = h[middle] as number;
    const output = this.output;
    let produced = 0;
    let position = history + this.phase;
    for (; position < total; position += DECIMATION) {
      // The filter is symmetric (h[j] = h[taps-1-j]), so pairs of samples share one multiply.
      const oldest = position - history;
      let acc = centre * (work[position - middle] as number);
      for (let j = 0; j < middle; j++) acc += (h[j] as number) * ((work[position - j] as number) + (work[oldest + j] as number));
      output[produced++] = acc >= 32_767 ? 32_767 : acc <= -32_768 ? -32_768 : Math.round(acc);
    }
    this.phase = position - total;
    work.copyWithin(0, total - history, total);
    return output.subarray(0, produced);
  }

  /** Forgets the filter history, e.g. at a discontinuity in the input. */
  reset(): void {
    this.work.fill(0, 0, this.historyLength);
    this.phase = 0;
  }

  private grow(inputLength: number): void {
    const work = new Float32Array(this.historyLength + inputLength * 2);
    work.set(this.work.subarray(0, this.historyLength));
    this.work = work;
    this.output = new Int16Array(Math.ceil((inputLength * 2) / DECIMATION) + 1);
  }
}

/** Kaiser-windowed sinc low-pass with unity gain at DC; cutoff as a fraction of the sample rate. */
function designLowPass(taps: number, cutoff: number, beta: number): Float64Array {
  const h = new Float64Array(taps);
  const middle = (taps - 1) / 2;
  const i0Beta = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const x = n - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const r = x / middle;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    h[n] = sinc * window;
    sum += h[n] as number;
  }
  for (let n = 0; n < taps; n++) h[n] = (h[n] as number) / sum;
  return h;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β < 20). */
function besselI0(x: number): number {
  let term = 1;
  let sum = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 50 && term > sum * 1e-12; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}
