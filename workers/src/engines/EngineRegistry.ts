import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import type { CatalogEntry } from '../models/catalogEntry.js';

/** What every engine declares, whatever its kind. */
export interface EngineDefinitionBase {
  /** Short name shown to users and accepted by STT_ENGINE / MT_ENGINE, e.g. "pocketsphinx". */
  readonly name: string;
  /** The languages it serves, written here once. */
  readonly languages: readonly LanguageCode[];
  /** Weights `npm run models -- pull` can fetch for it; empty for engines that need none. */
  readonly models: readonly CatalogEntry[];
}

/** Names that mean something else in settings and engine tables. */
const RESERVED_NAMES = new Set(['auto', 'none']);

/**
 * The engines of one kind. Configuration choices, the choosers, the workers' startup, the
 * `models` command and the engine table sent to rooms all read it; adding an engine is one
 * definition and one `register` call.
 */
export class EngineRegistry<D extends EngineDefinitionBase> {
  private readonly byName = new Map<string, D>();

  constructor(
    /** "speech recognition", "translation": for messages. */
    readonly kind: string,
    definitions: readonly D[] = [],
  ) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: D): this {
    const { name, languages } = definition;
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name) || RESERVED_NAMES.has(name)) {
      throw new TypeError(`A ${this.kind} engine name must be lower-case letters, digits and "-" (not "auto" or "none"); got "${name}".`);
    }
    if (this.byName.has(name)) throw new Error(`A ${this.kind} engine named "${name}" is registered already.`);
    const unknown = languages.filter((l) => !(l in LANGUAGES));
    if (!languages.length || unknown.length) {
      throw new TypeError(`The ${this.kind} engine "${name}" must serve at least one of Parley's languages (${Object.keys(LANGUAGES).join(', ')}); got ${JSON.stringify(languages)}.`);
    }
    this.byName.set(name, definition);
    return this;
  }

  get(name: string): D | undefined {
    return this.byName.get(name);
  }

  /** The engine named in a setting; fails with a sentence listing the choices. */
  require(name: string): D {
    const definition = this.byName.get(name);
    if (!definition) throw new Error(`There is no ${this.kind} engine named "${name}"; the choices are ${this.choices.join(', ')}.`);
    return definition;
  }

  get all(): D[] {
    return [...this.byName.values()];
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** Values the config variable accepts: `auto`, then each engine. */
  get choices(): [string, ...string[]] {
    return ['auto', ...this.names];
  }
}
