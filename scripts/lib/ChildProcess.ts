import { spawn, type ChildProcess as NodeChild } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each output line goes here, prefixed with the name; otherwise to logFile, otherwise dropped. */
  echo?: boolean;
  logFile?: string;
}

/** A supervised child process whose output is labelled, and that stops with SIGTERM then SIGKILL. */
export class ChildProcess {
  readonly name: string;
  private readonly child: NodeChild;
  private readonly log: WriteStream | undefined;
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;
  private readonly recentLines: string[] = [];

  constructor(options: ChildOptions) {
    this.name = options.name;
    this.log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    this.child = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.onLine(line, options.echo ?? false));
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = `${this.name} exited (${signal ?? `code ${code}`}); last output:\n${this.recentLines.join('\n')}`;
        resolve();
      });
      this.child.once('error', (error) => {
        this.exitInfo = `${this.name} could not start: ${error.message}`;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process is gone, or undefined while it runs. */
  get deathReason(): string | undefined {
    return this.exitInfo;
  }

  private onLine(line: string, echo: boolean): void {
    this.recentLines.push(line);
    if (this.recentLines.length > 20) this.recentLines.shift();
    if (echo) process.stdout.write(`[${this.name}] ${line}\n`);
    this.log?.write(`[${this.name}] ${line}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exitInfo) this.child.kill(signal);
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (!this.exitInfo) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.log?.end();
  }

  waitForExit(): Promise<void> {
    return this.exited;
  }
}
