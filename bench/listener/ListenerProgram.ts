import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildListener } from './buildListener.js';

/** Cumulative counters over every listener of one program (see main.c's stats line). */
export interface ListenerProgramStats {
  listeners: number;
  up: number;
  failed: number;
  /** Listeners that are up but got no RTP since the previous stats. */
  silent: number;
  packets: number;
  bytes: number;
  /** Sequence numbers never received, summed over listeners. */
  lost: number;
  worstLost: number;
  duplicates: number;
  late: number;
  otherSsrc: number;
  rtcp: number;
  srtpErrors: number;
  early: number;
  /** Packets authenticated and decrypted (the rest were counted by their header only). */
  verified: number;
  /** Datagrams the kernel dropped at the listeners' own sockets (their buffers were full). */
  socketDrops: number;
  userS: number;
  systemS: number;
  maxRssKb: number;
}

/** Where a listener's transport is on the sfu, from createTransports' reply. */
export interface ListenerTarget {
  id: string;
  ip: string;
  port: number;
  usernameFragment: string;
  password: string;
  /** The sfu's SHA-256 certificate fingerprint, checked after the DTLS handshake. */
  fingerprint: string;
}

type Event =
  | { type: 'ready'; fingerprint: string }
  | { type: 'up'; id: string; ms: number }
  | { type: 'failed'; id: string; reason: string }
  | ({ type: 'stats' } & ListenerProgramStats)
  | { type: 'onsets'; ms: number[] }
  | { type: 'error'; message: string };

const TOKEN = /^[A-Za-z0-9:._+/=-]{1,255}$/;

/**
 * One RTP packet in this many is authenticated and decrypted by default (all are counted by their
 * header). Debian's libsrtp2 does AES-CM and HMAC-SHA1 through NSS, with a new NSS context per
 * packet: 4–20 µs a packet here. Verifying one in four, NSS still took 56 % of parley-listener's
 * CPU (perf), as much per forwarded packet as the sfu's whole worker; one in 16 is three packets
 * a second per listener, enough to prove its keys and the packets' integrity all along.
 */
export const DEFAULT_SRTP_VERIFY_EVERY = 16;

/** One parley-listener process: many DTLS-SRTP listeners, driven over its stdin and stdout. */
export class ListenerProgram {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<string, { resolve: (ms: number) => void; reject: (error: Error) => void }>();
  private statsWaiters: ((stats: ListenerProgramStats & { onsetsMs: number[] }) => void)[] = [];
  /** A stats line waiting for the onsets line that follows it. */
  private pendingStats: ListenerProgramStats | undefined;
  private readonly failures = new Map<string, string>();
  private exited: string | undefined;
  private readonly ready: Promise<string>;

  private constructor(binary: string, verifyEvery: number) {
    this.child = spawn(binary, [String(verifyEvery)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
    this.ready = new Promise((resolve, reject) => {
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        const event = JSON.parse(line) as Event;
        if (event.type === 'ready') resolve(event.fingerprint);
        else this.onEvent(event);
      });
      this.child.once('exit', (code, signal) => {
        this.exited = `parley-listener exited (${signal ?? `code ${code}`}) ${stderr.trim()}`;
        reject(new Error(this.exited));
        for (const waiter of this.waiting.values()) waiter.reject(new Error(this.exited));
        this.waiting.clear();
      });
    });
  }

  /**
   * Builds the program if needed, starts it and resolves once its certificate exists. One RTP
   * packet in `verifyEvery` is authenticated and decrypted; all are counted.
   */
  static async start(verifyEvery = DEFAULT_SRTP_VERIFY_EVERY): Promise<{ program: ListenerProgram; fingerprint: string }> {
    const program = new ListenerProgram(buildListener(), verifyEvery);
    return { program, fingerprint: await program.ready };
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why a listener the program was given failed (after it was up, too), by id. */
  get failed(): ReadonlyMap<string, string> {
    return this.failures;
  }

  /** Starts ICE, DTLS and SRTP for one listener; resolves with the ms it took, once SRTP is keyed. */
  add(target: ListenerTarget, timeoutMs = 40_000): Promise<number> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const fields = [target.id, target.ip, String(target.port), target.usernameFragment, target.password, target.fingerprint];
    const bad = fields.find((f) => !TOKEN.test(f));
    if (bad !== undefined) return Promise.reject(new Error(`not a safe token for parley-listener: ${JSON.stringify(bad)}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(target.id);
        reject(new Error(`listener ${target.id} was not up within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting.set(target.id, {
        resolve: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.stdin.write(`add ${fields.join(' ')}\n`);
    });
  }

  /** Which header extension carries the audio level for this listener (from its consumer's parameters). */
  setAudioLevelExtension(id: string, extensionId: number): void {
    if (!this.exited && TOKEN.test(id) && Number.isInteger(extensionId)) this.child.stdin.write(`level ${id} ${extensionId}\n`);
  }

  remove(id: string): void {
    if (!this.exited) this.child.stdin.write(`remove ${id}\n`);
  }

  /** Cumulative counters, and the kernel arrival times (wall clock, ms) of marker onsets since the last call. */
  stats(): Promise<ListenerProgramStats & { onsetsMs: number[] }> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.child.stdin.write('stats\n');
    });
  }

  /** Closes its stdin (it exits by itself); SIGKILL if it has not gone within a second. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1_000);
    await gone;
    clearTimeout(timer);
  }

  private onEvent(event: Exclude<Event, { type: 'ready' }>): void {
    switch (event.type) {
      case 'up':
        this.waiting.get(event.id)?.resolve(event.ms);
        this.waiting.delete(event.id);
        return;
      case 'failed':
        this.failures.set(event.id, event.reason);
        this.waiting.get(event.id)?.reject(new Error(`listener ${event.id}: ${event.reason}`));
        this.waiting.delete(event.id);
        return;
      case 'stats': {
        const { type: _type, ...stats } = event;
        this.pendingStats = stats;
        return;
      }
      case 'onsets': {
        const stats = this.pendingStats;
        this.pendingStats = undefined;
        if (stats) this.statsWaiters.shift()?.({ ...stats, onsetsMs: event.ms });
        return;
      }
      case 'error':
        // Only a malformed command gets here, which add() rules out; say so rather than stall.
        console.error(`parley-listener: ${event.message}`);
    }
  }
}
