import { AutoTokenizer, MarianMTModel } from '@huggingface/transformers';
import type { LanguageCode } from '@parley/protocol';
import type { Device } from '../config.js';
import { marianModelName, marianRoute, MARIAN_PAIRS } from './engines/marian.js';
import { modelDir as catalogModelDir } from '../models/inventory.js';
import { ModelNotFoundError, detectDtype, loadOnDevice, requireModelDir, silentLog, useLocalModelsOnly, type EngineLog } from '../models/localModels.js';
import { MtError, type MtEngine } from './MtEngine.js';
import { DEFAULT_TOKEN_BUDGET, MAX_INPUT_TOKENS, generateTranslation, type Seq2SeqInputs, type Seq2SeqModel, type TokenBudget, type TranslationResult } from './seq2seq.js';

type PairKey = `${LanguageCode}>${LanguageCode}`;

export interface MarianEngineOptions {
  /** Folder per direction, e.g. { "en>es": "/models/opus-mt-en-es" }. Default: every opus-mt-<from>-<to> in modelsDir. */
  pairDirs?: Partial<Record<PairKey, string>>;
  modelsDir?: string;
  device?: Device;
  log?: EngineLog;
  budget?: TokenBudget;
}

interface LoadedPair {
  model: Seq2SeqModel;
  tokenizer: {
    (text: string, options: { truncation: boolean; max_length: number }): Seq2SeqInputs;
    decode(ids: bigint[], options: { skip_special_tokens: boolean }): string;
  };
}

/** Opus-MT translation: one small model per direction, through English where there is no direct one. */
export class MarianEngine implements MtEngine {
  readonly name = 'marian';
  private readonly loads = new Map<PairKey, Promise<LoadedPair>>();
  private readonly budget: TokenBudget;
  private closed = false;

  private constructor(
    private readonly pairDirs: Map<PairKey, string>,
    private readonly device: Device,
    private readonly log: EngineLog,
    budget: TokenBudget | undefined,
  ) {
    this.budget = budget ?? DEFAULT_TOKEN_BUDGET;
  }

  /** Finds the models; each loads on its first translation (a room may never need most of them). */
  static async create(options: MarianEngineOptions): Promise<MarianEngine> {
    const dirs = new Map<PairKey, string>();
    if (options.pairDirs) {
      for (const [pair, dir] of Object.entries(options.pairDirs)) if (dir) dirs.set(pair as PairKey, dir);
    } else if (options.modelsDir) {
      for (const [from, to] of MARIAN_PAIRS) {
        const dir = catalogModelDir(options.modelsDir, { name: marianModelName(from, to) });
        if (detectDtype(dir)) dirs.set(`${from}>${to}`, dir);
      }
    }
    if (!dirs.size) {
      const where = options.modelsDir ?? '(no MODELS_DIR given)';
      throw new ModelNotFoundError(
        `No Opus-MT model is in ${where}. Run \`npm run models -- pull opus-mt-en-es\` (or another pair) where there is internet.`,
        where,
      );
    }
    for (const [pair, dir] of dirs) requireModelDir(dir, `Opus-MT ${pair}`, marianModelName(...(pair.split('>') as [LanguageCode, LanguageCode])));
    useLocalModelsOnly(options.modelsDir);
    return new MarianEngine(dirs, options.device ?? 'cpu', options.log ?? silentLog, options.budget);
  }

  get pairs(): PairKey[] {
    return [...this.pairDirs.keys()];
  }

  /** The languages a translation passes through, or undefined when there is no route. */
  route(from: LanguageCode, to: LanguageCode): LanguageCode[] | undefined {
    return marianRoute(from, to, (a, b) => this.pairDirs.has(`${a}>${b}`));
  }

  supports(from: LanguageCode, to: LanguageCode): boolean {
    return this.route(from, to) !== undefined;
  }

  async translate(text: string, from: LanguageCode, to: LanguageCode): Promise<string> {
    const route = this.route(from, to);
    if (!route) throw new MtError(`There is no Opus-MT model for ${from} → ${to}, directly or through English.`, false);
    let current = text;
    for (let i = 0; i + 1 < route.length; i++) {
      if (current.trim() === '') return '';
      current = (await this.translateHop(current, route[i]!, route[i + 1]!)).text;
    }
    return current;
  }

  /** One direct model call, with its token counts. */
  async translateHop(text: string, from: LanguageCode, to: LanguageCode): Promise<TranslationResult> {
    this.assertOpen();
    const pair: PairKey = `${from}>${to}`;
    if (!this.pairDirs.has(pair)) throw new MtError(`There is no Opus-MT model for ${from} → ${to}.`, false);
    const { model, tokenizer } = await this.load(pair);
    this.assertOpen();
    const inputs = tokenizer(text, { truncation: true, max_length: MAX_INPUT_TOKENS });
    return generateTranslation(model, tokenizer, inputs, this.budget);
  }

  /** Loads a direction now rather than at its first translation. */
  async preload(from: LanguageCode, to: LanguageCode): Promise<void> {
    await this.load(`${from}>${to}`);
  }

  private load(pair: PairKey): Promise<LoadedPair> {
    let loading = this.loads.get(pair);
    if (!loading) {
      const dir = this.pairDirs.get(pair)!;
      const dtype = detectDtype(dir) ?? 'fp32';
      loading = Promise.all([
        AutoTokenizer.from_pretrained(dir),
        loadOnDevice(this.device, this.log, `marian ${pair}`, (device) => MarianMTModel.from_pretrained(dir, { dtype, device })),
      ]).then(([tokenizer, loaded]) => {
        this.log.info({ pair, dir, dtype, device: loaded.device }, 'opus-mt model loaded');
        return { tokenizer: tokenizer as unknown as LoadedPair['tokenizer'], model: loaded.value as unknown as Seq2SeqModel };
      });
      // A failed load is retried by the next translation rather than remembered.
      loading.catch(() => this.loads.delete(pair));
      this.loads.set(pair, loading);
    }
    return loading;
  }

  private assertOpen(): void {
    if (this.closed) throw new MtError('The Marian engine has been closed.', true);
  }

  /** Idempotent; frees every loaded model. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loads = [...this.loads.values()];
    this.loads.clear();
    await Promise.allSettled(loads.map(async (loading) => (await loading).model.dispose()));
  }
}
