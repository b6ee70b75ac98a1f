export interface ActiveSpeakerOptions {
  /** Mean loudness (127 - dBov) above which a window counts as speech; 77 is -50 dBov. */
  speechLoudness?: number;
  /** A speaker stays active this long after their last loud window, so pauses between words do not flicker. */
  holdMs?: number;
}

/**
 * Turns per-window loudness of each producer into the list of who is speaking, loudest first;
 * reports a new list only when the set of speakers changes.
 */
export class ActiveSpeakerDetector {
  private readonly speechLoudness: number;
  private readonly holdMs: number;
  private readonly lastLoud = new Map<string, { atMs: number; loudness: number }>();
  private current: string[] = [];

  constructor(options: ActiveSpeakerOptions = {}) {
    this.speechLoudness = options.speechLoudness ?? 77;
    this.holdMs = options.holdMs ?? 800;
  }

  get speakers(): readonly string[] {
    return this.current;
  }

  /**
   * One window's loudness per producer present (undefined: no packets, or muted). Returns the
   * new list when it differs from the last one reported, else undefined.
   */
  update(nowMs: number, loudnessById: Iterable<[string, number | undefined]>): string[] | undefined {
    const present = new Set<string>();
    for (const [id, loudness] of loudnessById) {
      present.add(id);
      if (loudness !== undefined && loudness >= this.speechLoudness) this.lastLoud.set(id, { atMs: nowMs, loudness });
    }
    for (const [id, loud] of this.lastLoud) {
      if (!present.has(id) || nowMs - loud.atMs > this.holdMs) this.lastLoud.delete(id);
    }
    const next = [...this.lastLoud.entries()].sort((a, b) => b[1].loudness - a[1].loudness).map(([id]) => id);
    const same = next.length === this.current.length && next.every((id) => this.current.includes(id));
    if (same) return undefined;
    this.current = next;
    return next;
  }
}
