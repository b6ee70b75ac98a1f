import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from '../freePort.js';

/** Debian's postgresql package puts the server binaries here, not on PATH. */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).sort().at(-1) : undefined;
  if (!version) throw new Error('Postgres is not installed: run scripts/setup.sh (Debian package "postgresql").');
  return join(base, version, 'bin');
}

/**
 * A throwaway Postgres server for tests: initdb in a temp dir, listening on 127.0.0.1 on a free
 * port, removed on stop. Postgres refuses to run as root, so as root it runs as the postgres user.
 */
export class PostgresServer {
  url = '';
  private dir = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private output = '';

  async start(): Promise<this> {
    const bin = postgresBin();
    this.dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
    const asUser = process.getuid?.() === 0 ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
    const asGroup = asUser !== undefined ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;
    if (asUser !== undefined) chownSync(this.dir, asUser, asGroup!);
    const data = join(this.dir, 'data');
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'parley', '--auth=trust', '--no-sync', '-E', 'UTF8'], { uid: asUser, gid: asGroup, stdio: 'pipe' });
    const port = await freePort();
    this.child = spawn(join(bin, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', this.dir, '-c', 'fsync=off', '-c', 'full_page_writes=off'], {
      uid: asUser,
      gid: asGroup,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-2000)));
    this.child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-2000)));
    this.exited = new Promise((resolve) => this.child!.once('exit', () => resolve()));
    let dead: string | undefined;
    void this.exited.then(() => (dead = `postgres exited: ${this.output}`));
    this.url = `postgres://parley@127.0.0.1:${port}/postgres`;
    await waitFor('postgres', () => this.ping(), 30_000, () => dead);
    return this;
  }

  /** A fresh, empty database on this server; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/[^a-z0-9_]/g, '')}"`);
    } finally {
      await client.end();
    }
    return this.url.replace(/\/postgres$/, `/${name}`);
  }

  private async ping(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGINT');
      await this.exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
