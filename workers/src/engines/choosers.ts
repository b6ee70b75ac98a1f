/**
 * Which engine serves each language pair, decided once at start from STT_ENGINE / MT_ENGINE, the
 * registries and the weights in MODELS_DIR. The stt worker publishes the result so rooms can show
 * it; the mt worker and `npm run models -- list` use the same functions, so all three agree.
 */
import type { LanguageCode } from '@parley/protocol';
import type { MtEngineContext, MtEngineDefinition, PreparedMtEngine } from '../mt/MtEngineDefinition.js';
import type { SttEngineContext, SttEngineDefinition } from '../stt/SttEngineDefinition.js';
import type { EngineRegistry } from './EngineRegistry.js';

/**
 * An explicit STT_ENGINE stands even without its weights (the engine then fails at start, saying
 * why); `auto` takes the highest-ranked engine that can run here.
 */
export function chooseSttEngine(context: Pick<SttEngineContext, 'config' | 'models' | 'log'>, registry: EngineRegistry<SttEngineDefinition>): SttEngineDefinition {
  const choice = context.config.STT_ENGINE;
  if (choice !== 'auto') return registry.require(choice);
  const ranked = [...registry.all].sort((a, b) => b.autoRank - a.autoRank);
  const ready = ranked.find((definition) => definition.missing(context as SttEngineContext) === undefined);
  if (!ready) throw new Error(`No speech recognition engine can run here: ${ranked.map((d) => `${d.name}: ${d.missing(context as SttEngineContext)}`).join(' ')}`);
  return ready;
}

export interface MtChoice {
  /** The engine for from → to, or undefined when none serves it. */
  choose(from: LanguageCode, to: LanguageCode): string | undefined;
  /** Engines that can run here, by name. */
  prepared: ReadonlyMap<string, PreparedMtEngine>;
  /** Engines MT_ENGINE allows that cannot run here, with the reason. */
  unavailable: ReadonlyMap<string, string>;
}

/**
 * Asks every engine MT_ENGINE allows (all of them under `auto`) which pairs it serves; `auto`
 * then takes, per pair, the engine with the best route (a direct neural model, then NLLB, then a
 * neural pivot through English, then Apertium).
 */
export async function prepareMtEngines(context: MtEngineContext, registry: EngineRegistry<MtEngineDefinition>): Promise<MtChoice> {
  const choice = context.config.MT_ENGINE;
  const allowed = choice === 'auto' ? registry.all : [registry.require(choice)];
  const prepared = new Map<string, PreparedMtEngine>();
  const unavailable = new Map<string, string>();
  const results = await Promise.all(allowed.map(async (definition) => [definition.name, await definition.prepare(context)] as const));
  for (const [name, result] of results) {
    if ('unavailable' in result) unavailable.set(name, result.unavailable);
    else prepared.set(name, result);
  }
  return {
    choose(from, to) {
      let best: { name: string; quality: number } | undefined;
      for (const [name, engine] of prepared) {
        const route = engine.route(from, to);
        if (route && (!best || route.quality > best.quality)) best = { name, quality: route.quality };
      }
      return best?.name;
    },
    prepared,
    unavailable,
  };
}
