/** How an utterance's end is decided from the silence after it. */
export type EndpointingOptions =
  | {
      mode: 'fixed';
      /** Silence that ends an utterance, whatever came before it. */
      silenceSeconds: number;
    }
  | {
      mode: 'adaptive';
      /** Silence that ends an utterance when everything says the speaker has finished. */
      minSilenceSeconds: number;
      /** Silence that ends an utterance when nothing does (a short phrase, the voice still up): a mid-sentence pause. */
      maxSilenceSeconds: number;
      /** Speech this long or longer counts fully as a finished thought. */
      longPhraseSeconds: number;
    };

/** A fall of this many dB from the phrase's typical loudness to its last words counts fully as a sentence ending. */
const FULL_FALL_DB = 8;
/** The phrase's last words: the voiced frames just before the pause. */
const TAIL_FRAMES = 8;
/** Frames whose loudness is remembered for the phrase's typical level (about 16 s at 32 ms). */
const MAX_LEVELS = 512;

/**
 * Decides how much silence ends the current utterance. `fixed` waits the same time after every
 * phrase. `adaptive` waits between a short and a long silence, shorter the more the phrase sounds
 * finished: it is long (a whole thought rather than a few words before a hesitation), and its
 * last words are quieter than the rest (speakers let their voice fall at the end of a sentence
 * and keep it up when they pause mid-sentence).
 */
export class EndpointPolicy {
  private readonly levelsDb: number[] = [];
  private speechSeconds = 0;

  constructor(private readonly options: EndpointingOptions) {
    const check = (value: number, name: string, min: number) => {
      if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a number ≥ ${min}`);
    };
    if (options.mode === 'fixed') check(options.silenceSeconds, 'silenceSeconds', 0.05);
    else {
      check(options.minSilenceSeconds, 'minSilenceSeconds', 0.05);
      check(options.maxSilenceSeconds, 'maxSilenceSeconds', options.minSilenceSeconds);
      check(options.longPhraseSeconds, 'longPhraseSeconds', 0.1);
    }
  }

  /** The longest silence any phrase waits for. */
  get maxSilenceSeconds(): number {
    return this.options.mode === 'fixed' ? this.options.silenceSeconds : this.options.maxSilenceSeconds;
  }

  /** A new utterance starts. */
  reset(): void {
    this.levelsDb.length = 0;
    this.speechSeconds = 0;
  }

  /** One frame of the utterance that was not silence, with its loudness. */
  voicedFrame(levelDb: number, seconds: number, isSpeech: boolean): void {
    if (isSpeech) this.speechSeconds += seconds;
    this.levelsDb.push(levelDb);
    if (this.levelsDb.length > MAX_LEVELS) this.levelsDb.splice(0, this.levelsDb.length - MAX_LEVELS);
  }

  /** How much silence, from the start of the current pause, ends this utterance. */
  requiredSilenceSeconds(): number {
    const o = this.options;
    if (o.mode === 'fixed') return o.silenceSeconds;
    const finished = 0.5 * Math.min(1, this.speechSeconds / o.longPhraseSeconds) + 0.5 * this.fallScore();
    return o.maxSilenceSeconds - finished * (o.maxSilenceSeconds - o.minSilenceSeconds);
  }

  /** 0 (voice held up to the pause) … 1 (it fell by FULL_FALL_DB or more). */
  private fallScore(): number {
    if (this.levelsDb.length < 2 * TAIL_FRAMES) return 0;
    const body = [...this.levelsDb.slice(0, -TAIL_FRAMES)].sort((a, b) => a - b);
    const typical = body[Math.floor(body.length / 2)]!;
    const tail = this.levelsDb.slice(-TAIL_FRAMES);
    const tailLevel = tail.reduce((sum, x) => sum + x, 0) / tail.length;
    return Math.max(0, Math.min(1, (typical - tailLevel) / FULL_FALL_DB));
  }
}

/** Loudness of 16-bit samples in dB below full scale; silence is -100. */
export function levelDb(samples: Int16Array, start = 0, end = samples.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / Math.max(1, end - start)) / 32_768;
  return rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
}
