import { AutoModelForSeq2SeqLM, AutoTokenizer } from '@huggingface/transformers';
import type { LanguageCode } from '@parley/protocol';
import type { Device } from '../config.js';
import { NLLB_CODES, NLLB_MODEL_NAME } from './engines/nllb.js';
import { loadOnDevice, requireModelDir, silentLog, useLocalModelsOnly, type EngineLog } from '../models/localModels.js';
import { MtError, type MtEngine } from './MtEngine.js';
import { DEFAULT_TOKEN_BUDGET, MAX_INPUT_TOKENS, generateTranslation, type Seq2SeqInputs, type Seq2SeqModel, type TokenBudget, type TranslationResult } from './seq2seq.js';

export function nllbCode(lang: LanguageCode): string {
  const code = NLLB_CODES[lang];
  if (!code) throw new MtError(`NLLB has no code for the language "${String(lang)}".`, false);
  return code;
}

export interface NllbEngineOptions {
  /** MODELS_DIR/nllb-200-distilled-600M, or another folder with an NLLB export. */
  modelDir: string;
  device?: Device;
  log?: EngineLog;
  budget?: TokenBudget;
}

interface NllbTokenizer {
  /** Sets the source-language prefix and reports the target's token as `forced_bos_token_id`. */
  _build_translation_inputs(
    text: string,
    options: { truncation: boolean; max_length: number },
    generateKwargs: { src_lang: string; tgt_lang: string; forced_bos_token_id?: number },
  ): Seq2SeqInputs;
  decode(ids: bigint[], options: { skip_special_tokens: boolean }): string;
}

/** One multilingual model for every pair of the product's languages, in one hop. */
export class NllbEngine implements MtEngine {
  readonly name = 'nllb';
  private readonly budget: TokenBudget;
  private closed = false;

  private constructor(
    private readonly model: Seq2SeqModel,
    private readonly tokenizer: NllbTokenizer,
    budget: TokenBudget | undefined,
  ) {
    this.budget = budget ?? DEFAULT_TOKEN_BUDGET;
  }

  /** Loads the model before resolving; fails with a sentence naming the pull command if it is missing. */
  static async create(options: NllbEngineOptions): Promise<NllbEngine> {
    const log = options.log ?? silentLog;
    const dtype = requireModelDir(options.modelDir, 'NLLB', NLLB_MODEL_NAME);
    useLocalModelsOnly();
    const [tokenizer, loaded] = await Promise.all([
      AutoTokenizer.from_pretrained(options.modelDir),
      loadOnDevice(options.device ?? 'cpu', log, 'nllb', (device) => AutoModelForSeq2SeqLM.from_pretrained(options.modelDir, { dtype, device })),
    ]);
    log.info({ modelDir: options.modelDir, dtype, device: loaded.device }, 'nllb model loaded');
    return new NllbEngine(loaded.value as unknown as Seq2SeqModel, tokenizer as unknown as NllbTokenizer, options.budget);
  }

  supports(from: LanguageCode, to: LanguageCode): boolean {
    return from in NLLB_CODES && to in NLLB_CODES;
  }

  async translate(text: string, from: LanguageCode, to: LanguageCode): Promise<string> {
    if (from === to || text.trim() === '') return from === to ? text : '';
    return (await this.translateDetailed(text, from, to)).text;
  }

  async translateDetailed(text: string, from: LanguageCode, to: LanguageCode): Promise<TranslationResult> {
    if (this.closed) throw new MtError('The NLLB engine has been closed.', true);
    const generateKwargs: { src_lang: string; tgt_lang: string; forced_bos_token_id?: number } = { src_lang: nllbCode(from), tgt_lang: nllbCode(to) };
    const inputs = this.tokenizer._build_translation_inputs(text, { truncation: true, max_length: MAX_INPUT_TOKENS }, generateKwargs);
    return generateTranslation(this.model, this.tokenizer, inputs, this.budget, { forced_bos_token_id: generateKwargs.forced_bos_token_id });
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.model.dispose();
  }
}
