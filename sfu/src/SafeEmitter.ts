import { EventEmitter } from 'node:events';

type EventMap<T> = Record<keyof T, unknown[]>;

/**
 * A typed EventEmitter whose emit() calls every listener even when one throws:
 * one faulty subscriber must not break the object emitting (or the ones after it).
 */
export class SafeEmitter<T extends EventMap<T>> extends EventEmitter<T> {
  constructor(private readonly onListenerError: (error: unknown, event: string) => void = () => {}) {
    super({ captureRejections: false });
  }

  // Callers keep the typed signature through EventEmitter<T>; this override only adds isolation.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override emit<K>(event: K, ...args: any[]): boolean {
    const listeners = this.rawListeners(event as never) as unknown as ((...a: unknown[]) => unknown)[];
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
    return listeners.length > 0;
  }
}
