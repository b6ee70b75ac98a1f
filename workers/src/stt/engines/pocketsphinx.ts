import type { LanguageCode } from '@parley/protocol';
import type { SttEngineDefinition } from '../SttEngineDefinition.js';

export const POCKETSPHINX_LANGUAGES: readonly LanguageCode[] = ['en'];

/** Offline English recognition with Debian's pocketsphinx and its en-us model; no weights to pull. */
export const pocketsphinxDefinition: SttEngineDefinition = {
  name: 'pocketsphinx',
  languages: POCKETSPHINX_LANGUAGES,
  models: [],
  punctuates: false,
  autoRank: 1,
  missing: () => undefined,
  async create({ config }) {
    const { PocketsphinxEngine } = await import('../PocketsphinxEngine.js');
    return PocketsphinxEngine.create({ poolSize: config.STT_CONCURRENCY });
  },
};
