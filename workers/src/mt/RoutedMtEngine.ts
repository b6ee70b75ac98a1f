import type { LanguageCode } from '@parley/protocol';
import { NO_ENGINE } from '../engines/engineTable.js';
import { MtError, type MtEngine } from './MtEngine.js';

/** Hands each language pair to the engine chosen for it at start (see engines.ts). */
export class RoutedMtEngine implements MtEngine {
  readonly name: string;
  private readonly engines: MtEngine[];
  private closed = false;

  /** `routes`: "from>to" → engine; pairs not in it are not translated. */
  constructor(private readonly routes: ReadonlyMap<string, MtEngine>) {
    this.engines = [...new Set(routes.values())];
    this.name = this.engines.map((e) => e.name).join('/') || NO_ENGINE;
  }

  private engineFor(from: LanguageCode, to: LanguageCode): MtEngine | undefined {
    return this.routes.get(`${from}>${to}`);
  }

  supports(from: LanguageCode, to: LanguageCode): boolean {
    return from === to || this.engineFor(from, to) !== undefined;
  }

  nameFor(from: LanguageCode, to: LanguageCode): string {
    return this.engineFor(from, to)?.name ?? NO_ENGINE;
  }

  translate(text: string, from: LanguageCode, to: LanguageCode): Promise<string> {
    if (this.closed) return Promise.reject(new MtError('The translation engines have been closed.', true));
    if (from === to) return Promise.resolve(text);
    const engine = this.engineFor(from, to);
    if (!engine) {
      return Promise.reject(
        new MtError(`No translation engine serves ${from} → ${to} here. Pull a model for it (\`npm run models -- list\` shows the choices) and restart the mt worker.`, false),
      );
    }
    return engine.translate(text, from, to);
  }

  /** Idempotent; closes every engine it routes to. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.engines.map((e) => e.close()));
  }
}
