import type { LanguageCode } from '@parley/protocol';
import { APERTIUM_CODES, ApertiumEngine } from '../ApertiumEngine.js';
import type { MtEngineDefinition } from '../MtEngineDefinition.js';

/** How long the engine table waits for apertium-apy before listing no Apertium pairs. */
const PROBE_TIMEOUT_MS = 2_000;

/** Rule-based translation through apertium-apy: the pairs Debian has installed. */
export const apertiumDefinition: MtEngineDefinition = {
  name: 'apertium',
  languages: Object.keys(APERTIUM_CODES) as LanguageCode[],
  models: [],
  async prepare({ config }) {
    let probe: ApertiumEngine;
    try {
      probe = await ApertiumEngine.connect({ url: config.APERTIUM_URL, requestTimeoutMs: PROBE_TIMEOUT_MS });
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
    return {
      route(from, to) {
        const route = from === to ? undefined : probe.route(from, to);
        if (!route) return undefined;
        return { quality: route.length === 2 ? 1 : 0.9 };
      },
      create: () => ApertiumEngine.connect({ url: config.APERTIUM_URL }),
    };
  },
};
