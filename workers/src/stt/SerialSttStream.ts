import type { PartialOptions, SttStream } from './SttEngine.js';

export type SttStreamState = 'open' | 'finishing' | 'finished' | 'closed';

/**
 * What every engine's stream shares: its calls run one at a time, in order (callers do call
 * partial() while a write is still pending), and nothing is accepted once it is finished or closed.
 */
export abstract class SerialSttStream implements SttStream {
  protected state: SttStreamState = 'open';
  /** Settles after the last queued call; never rejects. */
  protected tail: Promise<unknown> = Promise.resolve();

  abstract write(pcm: Int16Array): Promise<void>;
  abstract partial(options?: PartialOptions): Promise<string>;
  abstract finish(): Promise<string>;
  abstract close(): void;

  /** Why `method` may not be called now, or undefined if it may. */
  protected refusal(method: string): Error | undefined {
    if (this.state === 'closed') return new Error(`SttStream.${method}: the stream has been closed`);
    if (this.state !== 'open') return new Error(`SttStream.${method}: the utterance has already been finished`);
    return undefined;
  }

  /** Why write(pcm) may not run: a wrong argument, or the stream's state. */
  protected writeRefusal(pcm: unknown): Error | undefined {
    if (!(pcm instanceof Int16Array)) return new TypeError('SttStream.write(pcm): pcm must be an Int16Array of 16 kHz mono samples');
    return this.refusal('write');
  }

  /** Runs `op` after every call queued before it; a close in between rejects it instead. */
  protected enqueue<T>(method: string, op: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.state === 'closed') throw new Error(`SttStream.${method}: the stream was closed before this call ran`);
      return op();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
