import { performance } from 'node:perf_hooks';
import type { LanguageCode } from '@parley/protocol';
import type { MtEngine } from '../mt/MtEngine.js';
import type { SttEngine, SttStream } from '../stt/SttEngine.js';
import type { WorkerMetrics } from './WorkerMetrics.js';

async function timed<T>(call: () => Promise<T>, record: (seconds: number) => void): Promise<T> {
  const startedAt = performance.now();
  try {
    return await call();
  } finally {
    record((performance.now() - startedAt) / 1_000);
  }
}

/** The same engine, with every write, partial and finish timed (`parley_engine_duration_seconds`). */
export function timedSttEngine(engine: SttEngine, metrics: WorkerMetrics): SttEngine {
  const record = (operation: string) => (seconds: number) => metrics.engineCall(engine.name, operation, seconds);
  return {
    get name() {
      return engine.name;
    },
    get languages() {
      return engine.languages;
    },
    open(lang: LanguageCode): SttStream {
      const stream = engine.open(lang);
      return {
        write: (pcm) => timed(() => stream.write(pcm), record('write')),
        partial: (options) => timed(() => stream.partial(options), record('partial')),
        finish: () => timed(() => stream.finish(), record('finish')),
        close: () => stream.close(),
        // Word times for the caption clean-up pass straight through.
        ...(stream.words && { words: () => stream.words!() }),
      };
    },
    close: () => engine.close(),
  };
}

/** The same engine, with every translation timed under the name of the engine that serves its pair. */
export function timedMtEngine(engine: MtEngine, metrics: WorkerMetrics): MtEngine {
  const nameFor = (from: LanguageCode, to: LanguageCode) => engine.nameFor?.(from, to) ?? engine.name;
  return {
    get name() {
      return engine.name;
    },
    supports: (from, to) => engine.supports(from, to),
    nameFor,
    translate: (text, from, to) =>
      timed(
        () => engine.translate(text, from, to),
        (seconds) => metrics.engineCall(nameFor(from, to), 'translate', seconds),
      ),
    close: () => engine.close(),
  };
}
