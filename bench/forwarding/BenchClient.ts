import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClientCommandBody, ClientReply } from './clientMessages.js';

const ENTRIES = {
  /** libwebrtc participants: the speaker, or probes that decode. */
  wrtc: fileURLToPath(new URL('./clientProcess.ts', import.meta.url)),
  /** Lightweight listeners: their signaling here, their media in a parley-listener child. */
  crowd: fileURLToPath(new URL('./crowdProcess.ts', import.meta.url)),
};

/** One bench client process, seen from the orchestrator: requests over IPC. */
export class BenchClient {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (reply: ClientReply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private exited: string | undefined;
  private readonly exit: Promise<void>;

  constructor(
    readonly name: string,
    readonly kind: keyof typeof ENTRIES,
    logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const log = openSync(logFile, 'a');
    this.child = fork(ENTRIES[kind], [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', log, log, 'ipc'], env });
    closeSync(log);
    this.child.on('message', (reply: ClientReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'error') waiter?.reject(new Error(`${this.name}: ${reply.message}`));
      else waiter?.resolve(reply);
    });
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exited = `${this.name} exited (${signal ?? `code ${code}`}); see ${logFile}`;
        for (const waiter of this.pending.values()) waiter.reject(new Error(this.exited));
        this.pending.clear();
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process is gone, or undefined while it runs. */
  get deathReason(): string | undefined {
    return this.exited;
  }

  /** Sends a command; resolves with the reply of the type expected, rejects on error, exit or timeout. */
  request<T extends ClientReply['type']>(command: ClientCommandBody, expect: T, timeoutMs: number): Promise<Extract<ClientReply, { type: T }>> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no reply to ${command.type} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.type === expect) resolve(reply as Extract<ClientReply, { type: T }>);
          else reject(new Error(`${this.name}: expected ${expect}, got ${reply.type}`));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...command, id });
    });
  }

  /** Asks the process to close its peers and then ends it; SIGKILL if it does not go in time. */
  async stop(): Promise<void> {
    if (this.exited) return;
    await this.request({ type: 'stop' }, 'ok', 5_000).catch(() => undefined);
    // The client exits when its IPC channel closes.
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), 5_000);
    await this.exit;
    clearTimeout(timer);
  }

  /** Synchronous last resort (process exit handlers). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
