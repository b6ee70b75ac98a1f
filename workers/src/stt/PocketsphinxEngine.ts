/*
 * Measured real-time factor (decode seconds / audio seconds): en-us model, one decoder, the five
 * pocketsphinx-testdata librivox clips three times (74 s of audio), 2-core AMD EPYC VM, Node 20:
 *   streaming in 0.5 s chunks, partial() after each: 0.12 (0.17 with the other core busy)
 *   endUtt() alone, paid once after the last chunk:   0.03
 * So finishing a 5 s utterance takes about 0.15 s once its last chunk has been written.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageCode } from '@parley/protocol';
import { bareWord } from '../text/readableText.js';
import { POCKETSPHINX_LANGUAGES } from './engines/pocketsphinx.js';
import { PocketsphinxEngineStream, type DecoderLender } from './PocketsphinxEngineStream.js';
import type { SttEngine, SttStream } from './SttEngine.js';

/** A word or filler (<s>, <sil>, [NOISE]) of a hypothesis, in 10 ms frames. */
export interface PocketsphinxSegment {
  word: string;
  startFrame: number;
  endFrame: number;
}

/** The native decoder from workers/native/pocketsphinx; see src/addon.c for its error contract. */
export interface PocketsphinxDecoder {
  startUtt(): void;
  /** Resolves with the number of frames searched. */
  processRaw(samples: Int16Array): Promise<number>;
  partial(): string;
  endUtt(): Promise<string>;
  /**
   * What endUtt would give if the utterance ended now (the lattice so far, best path rescored),
   * with its words; the utterance stays open. Empty before the lattice has a word exit.
   */
  rescore(): Promise<{ text: string; segments: PocketsphinxSegment[] }>;
  /** Words (and fillers such as <sil>) of the current partial, or after endUtt the final, in 10 ms frames. */
  segments(): PocketsphinxSegment[];
  free(): void;
  readonly busy: boolean;
  readonly freed: boolean;
  /** Whether rescore() is available (the addon was built with pocketsphinx's own source headers). */
  readonly canRescore: boolean;
}

export interface PocketsphinxDecoderOptions {
  hmm: string;
  lm: string;
  dict: string;
  sampleRate?: number;
  /** Search tuning flags (e.g. "-maxhmmpf": "3000"); only search flags are accepted. */
  search?: Record<string, string>;
}

export interface PocketsphinxAddon {
  Decoder: { create(options: PocketsphinxDecoderOptions): Promise<PocketsphinxDecoder> };
}

export interface PocketsphinxEngineOptions {
  /** Decoders loaded up front, i.e. utterances recognised at once. Each holds ~95 MB of model. */
  poolSize?: number;
  /** Acoustic model directory. */
  hmm?: string;
  /** Language model (.lm.bin or ARPA). */
  lm?: string;
  /** Pronunciation dictionary. */
  dict?: string;
  /** Overrides DEFAULT_SEARCH. */
  search?: Record<string, string>;
}

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const DEFAULT_POOL_SIZE = 2;
/**
 * Search settings, measured on the five librivox clips streamed in 0.5 s chunks (corpus WER,
 * live speakers per core): pocketsphinx defaults 0.310, 7.5; -fwdflat no (chosen) 0.296, 9.3.
 * Capping the active HMMs as well (-maxhmmpf 3000 -maxwpf 10) reached 14 speakers per core on the
 * clean files, but through WebRTC (browser audio processing, Opus) it pruned away right words:
 * the e2e clip's WER went from 0.26–0.37 to 0.47–0.53.
 */
const DEFAULT_SEARCH: Record<string, string> = { '-fwdflat': 'no' };
const SAMPLE_RATE_HZ = 16_000;
const ADDON_DIR = fileURLToPath(new URL('../../native/pocketsphinx/build/Release/', import.meta.url));

/** Loads the compiled addon, or fails with a sentence saying how to build it. */
export function loadPocketsphinxAddon(dir: string = ADDON_DIR): PocketsphinxAddon {
  const file = join(dir, 'pocketsphinx.node');
  if (!existsSync(file)) {
    throw new Error(`The pocketsphinx addon has not been built (${file} is missing). Run \`npm run setup\` to build it.`);
  }
  try {
    return createRequire(import.meta.url)(file) as PocketsphinxAddon;
  } catch (error) {
    throw new Error(`The pocketsphinx addon at ${file} could not be loaded (${(error as Error).message}). Run \`npm run setup\` to rebuild it.`, {
      cause: error,
    });
  }
}

/** Offline English speech recognition with a pool of pocketsphinx decoders. */
export class PocketsphinxEngine implements SttEngine {
  readonly name = 'pocketsphinx';
  readonly languages = POCKETSPHINX_LANGUAGES;
  private readonly idle: PocketsphinxDecoder[];
  private readonly lent = new Set<PocketsphinxDecoder>();
  private readonly waiting: { resolve: (decoder: PocketsphinxDecoder) => void; reject: (error: Error) => void }[] = [];
  private readonly lender: DecoderLender;
  private closed = false;

  private constructor(
    decoders: PocketsphinxDecoder[],
    private readonly dictionary: string,
  ) {
    this.idle = decoders;
    this.lender = {
      acquire: () => this.acquire(),
      release: (decoder) => this.release(decoder),
      isClosed: () => this.closed,
    };
  }

  /** Whether the decoders can give the final's text at a pause without ending the utterance (rescore()). */
  get canRescore(): boolean {
    return [...this.idle, ...this.lent].every((d) => d.canRescore);
  }

  /** Loads every decoder of the pool before resolving, so a bad model path fails at startup. */
  static async create(options: PocketsphinxEngineOptions = {}): Promise<PocketsphinxEngine> {
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new TypeError(`PocketsphinxEngine: poolSize must be a positive integer, not ${String(poolSize)}`);
    }
    const addon = loadPocketsphinxAddon();
    const model: PocketsphinxDecoderOptions = {
      hmm: options.hmm ?? join(MODEL_DIR, 'en-us'),
      lm: options.lm ?? join(MODEL_DIR, 'en-us.lm.bin'),
      dict: options.dict ?? join(MODEL_DIR, 'cmudict-en-us.dict'),
      sampleRate: SAMPLE_RATE_HZ,
      search: options.search ?? DEFAULT_SEARCH,
    };
    const loads = await Promise.allSettled(Array.from({ length: poolSize }, () => addon.Decoder.create(model)));
    const decoders = loads.flatMap((l) => (l.status === 'fulfilled' ? [l.value] : []));
    const failure = loads.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failure) {
      for (const decoder of decoders) decoder.free();
      const reason = failure.reason as Error;
      throw new Error(`pocketsphinx could not load its English model: ${reason.message}`, { cause: reason });
    }
    return new PocketsphinxEngine(decoders, model.dict);
  }

  open(lang: LanguageCode): SttStream {
    if (this.closed) throw new Error('PocketsphinxEngine.open: the engine has been closed');
    if (!this.languages.includes(lang)) {
      throw new RangeError(`PocketsphinxEngine.open: pocketsphinx recognises only English ("en"), not "${String(lang)}"`);
    }
    return new PocketsphinxEngineStream(this.lender);
  }

  /** The dictionary's words; alternative pronunciations ("the(2)") are the same word. */
  async vocabulary(): Promise<string[]> {
    const text = await readFile(this.dictionary, 'utf8');
    return [...new Set(text.split('\n').map((line) => bareWord(line.split(/\s/, 1)[0]!)).filter(Boolean))];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(new Error('the pocketsphinx engine was closed before a decoder became free'));
    }
    // Lent decoders are freed now as well; the addon holds the release until a call in flight returns.
    for (const decoder of [...this.idle.splice(0), ...this.lent]) decoder.free();
    this.lent.clear();
  }

  private acquire(): Promise<PocketsphinxDecoder> {
    if (this.closed) return Promise.reject(new Error('the pocketsphinx engine has been closed'));
    const decoder = this.idle.pop();
    if (decoder) {
      this.lent.add(decoder);
      return Promise.resolve(decoder);
    }
    // Streams beyond the pool queue for the next free decoder: loading another costs ~0.3 s CPU and ~95 MB for good, a wait lasts one utterance.
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(decoder: PocketsphinxDecoder): void {
    if (this.closed) {
      decoder.free();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next.resolve(decoder);
      return;
    }
    this.lent.delete(decoder);
    this.idle.push(decoder);
  }
}
