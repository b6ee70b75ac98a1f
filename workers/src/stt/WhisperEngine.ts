/*
 * Measured real-time factor (decode seconds / audio seconds), test fixture (tiny-whisper, random
 * weights, d_model 32), 2-core AMD EPYC VM, Node 20, onnxruntime-node 1.30 CPU, default budget
 * (6 tokens/s + 8), a 6 s utterance written in 0.5 s chunks, partial() after each, then finish():
 *   streaming, all 13 decodes:           0.15-0.19 (0.31-0.36 while other jobs shared the cores)
 *   finish() alone, after the last chunk: 0.011-0.018, i.e. ~0.1 s for the 6 s utterance
 * The fixture never emits <|endoftext|>, so every decode spends its whole token budget. Its
 * encoder is tiny, so this measures the streaming machinery (log-mel features, the decoder loop,
 * the probe), not Whisper: with a real model the encoder dominates, and it costs the same for every
 * partial however short the audio, as Whisper always encodes a 30 s window.
 */
import { AutoProcessor, AutoTokenizer, Tensor, WhisperForConditionalGeneration } from '@huggingface/transformers';
import type { LanguageCode } from '@parley/protocol';
import type { Device } from '../config.js';
import { WHISPER_LANGUAGES } from './engines/whisper.js';
import { loadOnDevice, requireModelDir, silentLog, useLocalModelsOnly, type EngineLog } from '../models/localModels.js';
import { DEFAULT_NO_SPEECH_THRESHOLD, filterTranscript, type HallucinationFilterOptions } from './hallucinationFilter.js';
import type { SttEngine, SttStream } from './SttEngine.js';
import { WhisperDecodeProbe, type ProbeTensor } from './WhisperDecodeProbe.js';
import { whisperLogMel, type WhisperFeatureExtractorLike } from './whisperFeatures.js';
import { WHISPER_SAMPLE_RATE_HZ, WHISPER_WINDOW_SAMPLES, WhisperEngineStream } from './WhisperEngineStream.js';

/** 448 decoder positions less the 4-token prompt. */
const MAX_DECODE_TOKENS = 444;

export interface WhisperEngineOptions {
  /** Folder holding config.json, tokenizer.json, onnx/… (MODELS_DIR/whisper-<size>, or a fixture). */
  modelDir: string;
  /** Catalogue name to suggest pulling when the folder is empty, e.g. "whisper-base". */
  pullName?: string;
  device?: Device;
  log?: EngineLog;
  /**
   * Decoding budget per second of audio. Fast speech runs ~3.5 words/s, 1.3-1.8 tokens a word in
   * Whisper's vocabulary; the default 6 leaves room for that, and stops a looping decoder early.
   */
  tokensPerSecond?: number;
  /** Budget added to every decode (punctuation, very short utterances). */
  extraTokens?: number;
  /** partial() decodes again no sooner than this after its previous decode (takeover replays). */
  minPartialIntervalMs?: number;
  filter?: HallucinationFilterOptions;
}

/** One decode of one window, before and after the invented-text filters. */
export interface WhisperDecode {
  text: string;
  rawText: string;
  /** Tokens generated after the prompt; never more than maxNewTokens. */
  tokenCount: number;
  maxNewTokens: number;
  noSpeechProb: number | undefined;
  avgLogprob: number | undefined;
  audioSeconds: number;
  decodeMs: number;
}

interface Seq2SeqOutput {
  tolist(): bigint[][];
}

interface WhisperModel {
  forward(inputs: Record<string, unknown>): Promise<{ logits: ProbeTensor }>;
  generate(options: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

/** Speech recognition in all the product's languages with a Whisper ONNX export. */
export class WhisperEngine implements SttEngine {
  readonly name = 'whisper';
  readonly languages = WHISPER_LANGUAGES;
  readonly partialIntervalMs: number;
  private readonly tokensPerSecond: number;
  private readonly extraTokens: number;
  private readonly filter: HallucinationFilterOptions;
  private queue: Promise<unknown> = Promise.resolve();
  private probe: WhisperDecodeProbe | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly model: WhisperModel,
    private readonly features: WhisperFeatureExtractorLike,
    private readonly tokenizer: { decode(ids: bigint[], options: { skip_special_tokens: boolean }): string },
    private readonly noSpeechTokenId: number | undefined,
    readonly device: Device,
    options: WhisperEngineOptions,
  ) {
    this.tokensPerSecond = options.tokensPerSecond ?? 6;
    this.extraTokens = options.extraTokens ?? 8;
    this.partialIntervalMs = options.minPartialIntervalMs ?? 300;
    this.filter = options.filter ?? {};
    // generate() keeps the logits to itself; the probe reads them on their way out of each step.
    const forward = model.forward.bind(model);
    model.forward = async (inputs) => {
      const output = await forward(inputs);
      this.probe?.observe(inputs.decoder_input_ids as ProbeTensor | undefined, output.logits);
      return output;
    };
  }

  /** Loads the model before resolving, so a missing or broken folder fails at startup. */
  static async create(options: WhisperEngineOptions): Promise<WhisperEngine> {
    const log = options.log ?? silentLog;
    const dtype = requireModelDir(options.modelDir, 'Whisper', options.pullName);
    useLocalModelsOnly();
    const [processor, tokenizer, loaded] = await Promise.all([
      AutoProcessor.from_pretrained(options.modelDir),
      AutoTokenizer.from_pretrained(options.modelDir),
      loadOnDevice(options.device ?? 'cpu', log, 'whisper', (device) => WhisperForConditionalGeneration.from_pretrained(options.modelDir, { dtype, device })),
    ]);
    const noSpeechTokenId = ['<|nospeech|>', '<|nocaptions|>']
      .map((token) => tokenizer.convert_tokens_to_ids(token))
      .find((id): id is number => typeof id === 'number' && id !== tokenizer.unk_token_id);
    log.info({ modelDir: options.modelDir, dtype, device: loaded.device }, 'whisper model loaded');
    return new WhisperEngine(
      loaded.value as unknown as WhisperModel,
      (processor as unknown as { feature_extractor: WhisperFeatureExtractorLike }).feature_extractor,
      tokenizer as unknown as WhisperEngine['tokenizer'],
      noSpeechTokenId,
      loaded.device,
      options,
    );
  }

  open(lang: LanguageCode): SttStream {
    if (this.closing) throw new Error('WhisperEngine.open: the engine has been closed');
    if (!this.languages.includes(lang)) throw new RangeError(`WhisperEngine.open: "${String(lang)}" is not a language this product offers`);
    return new WhisperEngineStream(this, lang);
  }

  /** Token budget for `samples` of audio. */
  maxNewTokensFor(samples: number): number {
    const seconds = samples / WHISPER_SAMPLE_RATE_HZ;
    return Math.max(1, Math.min(MAX_DECODE_TOKENS, Math.ceil(seconds * this.tokensPerSecond) + this.extraTokens));
  }

  /**
   * Transcribes up to 30 s of 16 kHz mono audio (more is cut off; streams split long utterances).
   * Decodes run one at a time: they would only share the same cores, and the probe is per call.
   */
  decode(audio: Float32Array, lang: LanguageCode): Promise<WhisperDecode> {
    if (this.closing) return Promise.reject(new Error('WhisperEngine.decode: the engine has been closed'));
    const run = this.queue.then(() => {
      if (this.closing) throw new Error('WhisperEngine.decode: the engine was closed before this decode ran');
      return this.decodeNow(audio.subarray(0, WHISPER_WINDOW_SAMPLES), lang);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decodeNow(audio: Float32Array, lang: LanguageCode): Promise<WhisperDecode> {
    const startedAtMs = performance.now();
    const maxNewTokens = this.maxNewTokensFor(audio.length);
    const features = await whisperLogMel(this.features, audio);
    const inputFeatures = new Tensor('float32', features.data, features.dims);
    const probe = new WhisperDecodeProbe(this.noSpeechTokenId, this.filter.noSpeechThreshold ?? DEFAULT_NO_SPEECH_THRESHOLD);
    this.probe = probe;
    let sequence: bigint[];
    try {
      const output = (await this.model.generate({ inputs: inputFeatures, language: lang, task: 'transcribe', max_new_tokens: maxNewTokens })) as Seq2SeqOutput;
      sequence = output.tolist()[0] ?? [];
    } finally {
      this.probe = undefined;
    }
    const promptLength = 4; // <|startoftranscript|> <|lang|> <|transcribe|> <|notimestamps|>
    probe.finish(sequence.length > promptLength ? Number(sequence.at(-1)) : undefined);
    const rawText = this.tokenizer.decode(sequence, { skip_special_tokens: true });
    const signals = { noSpeechProb: probe.noSpeechProb, avgLogprob: probe.avgLogprob };
    return {
      text: filterTranscript(rawText, signals, this.filter),
      rawText,
      tokenCount: Math.max(0, sequence.length - promptLength),
      maxNewTokens,
      ...signals,
      audioSeconds: audio.length / WHISPER_SAMPLE_RATE_HZ,
      decodeMs: performance.now() - startedAtMs,
    };
  }

  /** Idempotent; waits for a decode in flight, refuses queued ones, then frees the model. */
  close(): Promise<void> {
    this.closing ??= this.queue.then(async () => {
      await this.model.dispose();
    });
    return this.closing;
  }
}
