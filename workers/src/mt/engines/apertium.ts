import type { LanguageCode } from '@parley/protocol';
import { APERTIUM_CODES, ApertiumEngine } from '../ApertiumEngine.js';
import type { MtEngineDefinition } from '../MtEngineDefinition.js';

/**
 * How long the engine table waits for apertium-apy before listing no Apertium pairs: a server that
 * refuses the connection is absent at once; one that is there but slow to answer (starting, or a
 * busy machine) is asked again with a longer wait each time.
 */
const PROBE_TIMEOUTS_MS = [2_000, 4_000, 8_000];

async function probeApertium(url: string): Promise<ApertiumEngine> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ApertiumEngine.connect({ url, requestTimeoutMs: PROBE_TIMEOUTS_MS[attempt] });
    } catch (error) {
      const timedOut = /timeout|timed out|aborted/i.test((error as Error).message);
      if (!timedOut || attempt + 1 >= PROBE_TIMEOUTS_MS.length) throw error;
    }
  }
}

/** Rule-based translation through apertium-apy: the pairs Debian has installed. */
export const apertiumDefinition: MtEngineDefinition = {
  name: 'apertium',
  languages: Object.keys(APERTIUM_CODES) as LanguageCode[],
  models: [],
  async prepare({ config }) {
    let probe: ApertiumEngine;
    try {
      probe = await probeApertium(config.APERTIUM_URL);
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
