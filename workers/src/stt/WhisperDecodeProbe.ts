/** The slice of an onnxruntime tensor the probe reads. */
export interface ProbeTensor {
  dims: readonly number[];
  data: ArrayLike<number | bigint>;
}

/**
 * Watches the decoder's raw logits during one generate() call and derives what transformers.js
 * does not return: the no-speech probability (softmax at the start-of-transcript position, as
 * OpenAI's decoder computes it) and the mean log-probability of the tokens chosen. The second costs
 * a pass over the vocabulary per token, so it is taken only when the first says "maybe silence".
 */
export class WhisperDecodeProbe {
  noSpeechProb: number | undefined;
  private logprobSum = 0;
  private scored = 0;
  private lastRow: Float32Array | undefined;
  private lastLogSumExp = 0;

  private started = false;
  private scoring = false;

  constructor(
    private readonly noSpeechTokenId: number | undefined,
    /** Tokens are scored only when the no-speech probability is above this. */
    private readonly scoreAboveNoSpeechProb = 0,
  ) {}

  /** Called after each decoder step with that step's input ids and output logits [1, seq, vocab]. */
  observe(decoderInputIds: ProbeTensor | undefined, logits: ProbeTensor): void {
    const [, seq = 1, vocab = 0] = logits.dims;
    const data = logits.data as Float32Array;
    if (!this.started) {
      this.started = true;
      // The first step sees the whole prompt; position 0 is <|startoftranscript|>.
      if (this.noSpeechTokenId !== undefined) {
        const sot = data.subarray(0, vocab);
        this.noSpeechProb = Math.exp(sot[this.noSpeechTokenId]! - logSumExp(sot));
        this.scoring = this.noSpeechProb > this.scoreAboveNoSpeechProb;
      }
    } else if (this.scoring) {
      const ids = decoderInputIds?.data;
      if (ids?.length) this.score(Number(ids[ids.length - 1]));
    }
    if (this.scoring) {
      this.lastRow = data.slice((seq - 1) * vocab, seq * vocab);
      this.lastLogSumExp = logSumExp(this.lastRow);
    }
  }

  /** Scores the token chosen at the last step, which no later step reports. */
  finish(lastToken: number | undefined): void {
    if (this.scoring && lastToken !== undefined) this.score(lastToken);
    this.scoring = false;
  }

  get avgLogprob(): number | undefined {
    return this.scored ? this.logprobSum / this.scored : undefined;
  }

  private score(token: number): void {
    const logit = this.lastRow?.[token];
    if (logit === undefined) return;
    this.logprobSum += logit - this.lastLogSumExp;
    this.scored += 1;
  }
}

function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return max + Math.log(sum);
}
