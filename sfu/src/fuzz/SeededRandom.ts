/** A small deterministic PRNG (mulberry32): the same seed replays the same hostile inputs. */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** A child generator, so that one lane's choices do not shift every later lane's. */
  fork(): SeededRandom {
    return new SeededRandom(this.int(0, 0xffffffff));
  }

  /** Characters drawn from printable ASCII, control characters, astral symbols and lone surrogates. */
  string(maxLength: number): string {
    const length = this.int(0, maxLength);
    let out = '';
    for (let i = 0; i < length; i++) {
      const kind = this.int(0, 9);
      if (kind < 6) out += String.fromCharCode(this.int(0x20, 0x7e));
      else if (kind === 6) out += String.fromCharCode(this.int(0, 0x1f));
      else if (kind === 7) out += String.fromCodePoint(this.int(0x80, 0x2fff));
      else if (kind === 8) out += String.fromCodePoint(this.int(0x1f300, 0x1f6ff));
      else out += String.fromCharCode(this.int(0xd800, 0xdfff));
    }
    return out;
  }
}
