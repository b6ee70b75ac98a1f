import type { ChainableCommander, Redis } from 'ioredis';
import type { z } from 'zod';
import { fieldsToRecord } from './schemas.js';

export type StreamFields = (string | Buffer)[];

/** Parsed entry, or a sentence saying what is wrong with it. */
export type ParsedEntry<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * One Redis stream with its entry type: `add` writes only a well-typed value, `parse` validates
 * what comes back. Writer and reader share the schema, so a renamed field fails the type check.
 */
export class TypedStream<T> {
  constructor(
    readonly key: string,
    private readonly schema: z.ZodType<T, unknown>,
    private readonly toFields: (value: T) => StreamFields,
    /** Approximate length cap (MAXLEN ~); undefined keeps every entry. */
    readonly maxLength?: number,
  ) {}

  fields(value: T): StreamFields {
    return this.toFields(value);
  }

  parse(fields: readonly (string | Buffer)[]): ParsedEntry<T> {
    const parsed = this.schema.safeParse(fieldsToRecord(fields));
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}` };
  }

  /** XADD; resolves with the new entry's id. */
  async add(redis: Redis, value: T): Promise<string> {
    return (await redis.xadd(this.key, ...this.xaddArgs(value))) as string;
  }

  /** The same XADD queued on a MULTI, to be written together with other commands. */
  addTo(multi: ChainableCommander, value: T): ChainableCommander {
    return multi.xadd(this.key, ...this.xaddArgs(value));
  }

  private xaddArgs(value: T): [string, ...(string | Buffer | number)[]] {
    const cap: (string | number)[] = this.maxLength === undefined ? [] : ['MAXLEN', '~', this.maxLength];
    return [...(cap as string[]), '*', ...this.toFields(value)] as [string, ...(string | Buffer)[]];
  }
}
