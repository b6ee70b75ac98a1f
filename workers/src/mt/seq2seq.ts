/** What Marian and NLLB share: one encoder-decoder generate() with a budget set by the input. */

export interface TokenTensor {
  dims: readonly number[];
  tolist(): bigint[][];
}

export interface Seq2SeqInputs {
  input_ids: TokenTensor;
  attention_mask: TokenTensor;
}

export interface Seq2SeqModel {
  generate(options: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

export interface Seq2SeqTokenizer {
  decode(ids: bigint[], options: { skip_special_tokens: boolean }): string;
}

/** One translation hop, with what it cost. */
export interface TranslationResult {
  text: string;
  inputTokens: number;
  /** Tokens generated after the decoder start token; never more than maxNewTokens. */
  outputTokens: number;
  maxNewTokens: number;
}

export interface TokenBudget {
  /** Output tokens allowed per input token; translations run 1-1.5× their source's length. */
  perInputToken: number;
  extra: number;
  /** The model's own limit. */
  cap: number;
}

export const DEFAULT_TOKEN_BUDGET: TokenBudget = { perInputToken: 2, extra: 8, cap: 512 };

/** Inputs longer than this many tokens are cut; captions are one utterance, far shorter. */
export const MAX_INPUT_TOKENS = 512;

export function maxNewTokensFor(inputTokens: number, budget: TokenBudget): number {
  return Math.max(1, Math.min(budget.cap, Math.ceil(inputTokens * budget.perInputToken) + budget.extra));
}

export async function generateTranslation(
  model: Seq2SeqModel,
  tokenizer: Seq2SeqTokenizer,
  inputs: Seq2SeqInputs,
  budget: TokenBudget,
  generateOptions: Record<string, unknown> = {},
): Promise<TranslationResult> {
  const inputTokens = inputs.input_ids.dims.at(-1) ?? 0;
  const maxNewTokens = maxNewTokensFor(inputTokens, budget);
  const output = (await model.generate({ ...inputs, ...generateOptions, max_new_tokens: maxNewTokens })) as TokenTensor;
  const sequence = output.tolist()[0] ?? [];
  return {
    text: tokenizer.decode(sequence, { skip_special_tokens: true }).trim(),
    inputTokens,
    outputTokens: Math.max(0, sequence.length - 1),
    maxNewTokens,
  };
}
