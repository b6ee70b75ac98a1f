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
  async create({ config, log }) {
    const { PocketsphinxEngine } = await import('../PocketsphinxEngine.js');
    const engine = await PocketsphinxEngine.create({ poolSize: config.STT_CONCURRENCY });
    if (!engine.canRescore) {
      log.warn(
        { engine: 'pocketsphinx' },
        'the pocketsphinx addon was built without pocketsphinx\'s source headers (see workers/native/pocketsphinx/internal-headers.mjs): captions sent at a pause show the running hypothesis, which the final may still change',
      );
    }
    return engine;
  },
};
