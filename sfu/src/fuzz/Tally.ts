import type { Recorded } from './Actor.js';

/** Every input and what became of it, summed the way the assertions and the report need. */
export class Tally {
  /** Generated hostile inputs (not valid requests, checks or probes). */
  hostileInputs = 0;
  /** Hostile frames on the wire, a flood's messages included. */
  hostileMessages = 0;
  validRequests = 0;
  probesAndChecks = 0;
  /** Inputs the server's connection closed under for a documented reason of its own. */
  interrupted = 0;
  readonly byOutcome = new Map<string, number>();
  /** Parameters that passed the schema and were judged by mediasoup: accepted or refused. */
  readonly mediasoupJudged = { accepted: 0, refused: 0 };
  /** Which mutations mediasoup accepted and refused, by kind. */
  readonly mediasoupByLabel = new Map<string, number>();
  readonly byExpectation = new Map<string, number>();
  readonly byLabel = new Map<string, { count: number; totalMs: number }>();
  readonly sentences = new Map<string, number>();
  readonly mismatches: string[] = [];

  record(entry: Recorded): void {
    const { label, hostile, expectation, result, verdict } = entry;
    const kind = this.byLabel.get(label) ?? { count: 0, totalMs: 0 };
    kind.count++;
    kind.totalMs += result.elapsedMs;
    this.byLabel.set(label, kind);
    if (verdict === 'interrupted') {
      this.interrupted++;
      return;
    }
    if (verdict === 'mismatch') {
      this.mismatches.push(`${label} (${entry.event}${entry.lane ? `, ${entry.lane}` : ''}): ${entry.complaint ?? ''}; got ${result.outcome}: ${result.detail.slice(0, 200)}`);
    }
    if (!hostile) {
      if (label === 'probe' || entry.event === 'server') this.probesAndChecks++;
      else this.validRequests++;
      return;
    }
    this.hostileInputs++;
    this.hostileMessages++;
    bump(this.byOutcome, result.outcome);
    bump(this.byExpectation, expectation.kind);
    if (expectation.kind === 'mediasoup' && verdict === 'expected') {
      const accepted = result.outcome === 'ack-ok';
      this.mediasoupJudged[accepted ? 'accepted' : 'refused']++;
      bump(this.mediasoupByLabel, `${label} ${accepted ? 'accepted' : 'refused'}`);
    }
    if (result.outcome === 'ack-error' || result.outcome === 'fatal') {
      // Ids and quoted values vary; the sentence is what the report groups by.
      bump(this.sentences, `${result.outcome === 'fatal' ? 'fatal: ' : ''}${result.detail.replace(/"[^"]*"/g, '"…"').replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 90)}`);
    }
  }

  summary(): string {
    const fmt = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
    return [
      `${this.hostileInputs} hostile inputs (${this.hostileMessages} messages), ${this.validRequests} valid requests, ${this.probesAndChecks} probes and checks, ${this.interrupted} cut short by a documented server timeout`,
      `hostile inputs by expectation: ${fmt(this.byExpectation)}`,
      `hostile inputs by outcome: ${fmt(this.byOutcome)}`,
      `mutated mediasoup parameters that passed the schema: ${this.mediasoupJudged.accepted} accepted by mediasoup, ${this.mediasoupJudged.refused} refused (${fmt(this.mediasoupByLabel)})`,
    ].join('\n');
  }

  kinds(): string {
    return [...this.byLabel]
      .sort((a, b) => b[1].count - a[1].count)
      .map(([k, { count, totalMs }]) => `${k} ${count} ${(totalMs / count).toFixed(0)}`)
      .join(', ');
  }

  topSentences(limit: number): string {
    return [...this.sentences].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, n]) => `${n} × ${k}`).join('\n  ');
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
