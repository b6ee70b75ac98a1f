import type { MtEngine } from '../mt/MtEngine.js';
import type { MtEngineContext } from '../mt/MtEngineDefinition.js';
import type { MtEngineRegistry } from '../mt/mtEngines.js';
import { RoutedMtEngine } from '../mt/RoutedMtEngine.js';
import type { SttEngine } from '../stt/SttEngine.js';
import type { SttEngineContext, SttEngineDefinition } from '../stt/SttEngineDefinition.js';
import type { SttEngineRegistry } from '../stt/sttEngines.js';
import { chooseSttEngine, prepareMtEngines } from './choosers.js';
import { ALL_LANGUAGES } from './engineTable.js';

/** The stt worker's engine: chosen from the registry, then loaded (a missing model fails here, saying why). */
export async function startSttEngine(context: SttEngineContext, registry: SttEngineRegistry): Promise<{ definition: SttEngineDefinition; engine: SttEngine }> {
  const definition = chooseSttEngine(context, registry);
  return { definition, engine: await definition.create(context) };
}

/**
 * The mt worker's engine: every pair routed to the engine chosen for it, each engine loaded once.
 * An engine named in MT_ENGINE that cannot run fails the start with its reason, and so does `auto`
 * when no engine at all can run (e.g. no weights and apertium-apy not answering).
 */
export async function startMtEngine(context: MtEngineContext, registry: MtEngineRegistry): Promise<{ engine: RoutedMtEngine; chosen: Map<string, string> }> {
  const choice = await prepareMtEngines(context, registry);
  const explicit = context.config.MT_ENGINE;
  const reason = explicit === 'auto' ? undefined : choice.unavailable.get(explicit);
  if (reason) throw new Error(reason);
  const chosen = new Map<string, string>();
  for (const from of ALL_LANGUAGES) {
    for (const to of ALL_LANGUAGES) {
      const name = from === to ? undefined : choice.choose(from, to);
      if (name) chosen.set(`${from}>${to}`, name);
    }
  }
  if (!choice.prepared.size && choice.unavailable.size) {
    throw new Error(`No translation engine can run here. ${[...choice.unavailable].map(([name, why]) => `${name}: ${why}`).join(' ')}`);
  }
  const engines = new Map<string, MtEngine>();
  try {
    for (const name of new Set(chosen.values())) engines.set(name, await choice.prepared.get(name)!.create());
  } catch (error) {
    await Promise.allSettled([...engines.values()].map((e) => e.close()));
    throw error;
  }
  return { engine: new RoutedMtEngine(new Map([...chosen].map(([pair, name]) => [pair, engines.get(name)!]))), chosen };
}
