type Listener<A extends unknown[]> = (...args: A) => void;
// Listeners of every event live in one map; each is only ever called with its own event's arguments.
type AnyListener = (...args: never[]) => void;

/**
 * A small typed event emitter that runs in browsers and Node alike. A listener that throws does
 * not stop the others; the error goes to `onListenerError` (by default the console).
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>();

  constructor(private readonly onListenerError: (error: unknown, event: string) => void = (error, event) => console.error(`"${event}" listener failed`, error)) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as AnyListener);
    return () => set.delete(listener as unknown as AnyListener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as unknown as Listener<Events[K]>)(...args);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
