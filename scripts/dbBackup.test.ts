import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portOpen, waitFor } from './lib/freePort.js';

const SCRIPT = fileURLToPath(new URL('../infra/db-backup.sh', import.meta.url));
const run = promisify(execFile);

/** Runs db-backup.sh; resolves with its output, or with the failure's exit code and stderr. */
async function dbBackup(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, ...args], { cwd, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const sql = (db: string, statement: string) => execFileSync('sqlite3', [db, statement]).toString().trim();

describe('infra/db-backup.sh with SQLite (real sqlite3)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-backup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up the default data/parley.db (WAL mode) and restores it, keeping the replaced file', async () => {
    execFileSync('mkdir', ['-p', join(dir, 'data')]);
    const db = join(dir, 'data/parley.db');
    sql(db, "PRAGMA journal_mode=WAL; CREATE TABLE captions(id TEXT PRIMARY KEY, text TEXT); INSERT INTO captions VALUES ('u1', 'hello'), ('u2', 'world');");
    const backup = await dbBackup(['backup'], { BACKUP_DIR: join(dir, 'backups') }, dir);
    expect(backup.code, backup.stderr).toBe(0);
    const file = backup.stdout.trim();
    expect(file).toMatch(/backups\/parley-\d{8}-\d{6}\.db$/);
    expect(sql(file, 'SELECT count(*) FROM captions')).toBe('2');
    // A second backup within the same second gets a name of its own.
    const again = await dbBackup(['backup'], { BACKUP_DIR: join(dir, 'backups') }, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).not.toBe(file);

    sql(db, "DELETE FROM captions; INSERT INTO captions VALUES ('u3', 'later');");
    const restore = await dbBackup(['restore', file], {}, dir);
    expect(restore.code, restore.stderr).toBe(0);
    expect(sql(db, 'SELECT group_concat(id) FROM captions ORDER BY id')).toBe('u1,u2');
    const kept = readdirSync(join(dir, 'data')).find((f) => f.startsWith('parley.db.before-restore-'));
    expect(kept).toBeDefined();
    expect(sql(join(dir, 'data', kept!), 'SELECT group_concat(id) FROM captions')).toBe('u3');
  });

  it('refuses a backup that is not a sound SQLite database, and leaves the live one alone', async () => {
    const db = join(dir, 'live.db');
    sql(db, "CREATE TABLE t(a); INSERT INTO t VALUES (1);");
    const bogus = join(dir, 'bogus.db');
    writeFileSync(bogus, 'this is not a database');
    const result = await dbBackup(['restore', bogus], { DATABASE_URL: `sqlite:${db}` }, dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a readable SQLite database|failed SQLite's integrity check/);
    expect(sql(db, 'SELECT count(*) FROM t')).toBe('1');
  });

  it('says what is wrong: no database, a backup file that exists, a missing backup, an unknown DATABASE_URL, no command', async () => {
    expect((await dbBackup(['backup'], { DATABASE_URL: `sqlite:${join(dir, 'none.db')}` }, dir)).stderr).toMatch(/there is no SQLite database at .*none\.db/);
    const db = join(dir, 'exists.db');
    sql(db, 'CREATE TABLE t(a);');
    expect((await dbBackup(['backup', db], { DATABASE_URL: `sqlite:${db}` }, dir)).stderr).toMatch(/exists already/);
    expect((await dbBackup(['restore', join(dir, 'missing.db')], { DATABASE_URL: `sqlite:${db}` }, dir)).stderr).toMatch(/there is no backup at/);
    const mysql = await dbBackup(['backup'], { DATABASE_URL: 'mysql://x' }, dir);
    expect(mysql.code).toBe(1);
    expect(mysql.stderr).toMatch(/must start with sqlite:, postgres:\/\/ or postgresql:\/\//);
    expect((await dbBackup([], {}, dir)).code).toBe(2);
  });
});

/** Debian's postgresql puts its server binaries here, not on PATH. */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).sort().at(-1) : undefined;
  if (!version) throw new Error('Postgres is not installed: run scripts/setup.sh (Debian package "postgresql").');
  return join(base, version, 'bin');
}

describe('infra/db-backup.sh with Postgres (real server, pg_dump, pg_restore)', () => {
  let dir: string;
  let url: string;
  let server: ReturnType<typeof spawn>;
  const psql = (statement: string) => execFileSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement]).toString().trim();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-backup-pg-'));
    chmodSync(dir, 0o755);
    // Postgres refuses to run as root: as root, the server runs as the postgres user.
    const owner = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
    if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
    execFileSync(join(postgresBin(), 'initdb'), ['-D', join(dir, 'data'), '-U', 'parley', '--auth=trust', '--no-sync', '-E', 'UTF8'], { ...owner, stdio: 'pipe' });
    const port = await freePort();
    server = spawn(join(postgresBin(), 'postgres'), ['-D', join(dir, 'data'), '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-c', 'fsync=off'], { ...owner, stdio: 'ignore' });
    await waitFor('postgres', () => portOpen(port), 30_000);
    url = `postgres://parley@127.0.0.1:${port}/postgres`;
    await waitFor('postgres to accept queries', async () => psql('SELECT 1') === '1', 30_000);
    psql('CREATE DATABASE parley');
    url = `postgres://parley@127.0.0.1:${port}/parley`;
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('dumps the database and restores it in one transaction', async () => {
    psql("CREATE TABLE transcripts(utterance_id text PRIMARY KEY, text text); INSERT INTO transcripts VALUES ('u1', 'hola'), ('u2', 'adiós');");
    const file = join(dir, 'parley.pgdump');
    const backup = await dbBackup(['backup', file], { DATABASE_URL: url }, dir);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout.trim()).toBe(file);

    psql("DELETE FROM transcripts WHERE utterance_id = 'u1'; CREATE TABLE scratch(a int);");
    const restore = await dbBackup(['restore', file], { DATABASE_URL: url }, dir);
    expect(restore.code, restore.stderr).toBe(0);
    expect(psql('SELECT string_agg(utterance_id, \',\' ORDER BY utterance_id) FROM transcripts')).toBe('u1,u2');
  });

  it('fails without touching the database when the backup is not a dump', async () => {
    const bogus = join(dir, 'bogus.pgdump');
    writeFileSync(bogus, 'not a dump');
    const result = await dbBackup(['restore', bogus], { DATABASE_URL: url }, dir);
    expect(result.code).not.toBe(0);
    expect(psql('SELECT count(*) FROM transcripts')).toBe('2');
  });

  it('never prints the database URL (it may hold a password)', async () => {
    const secretUrl = url.replace('parley@', 'parley:s3cret-word@');
    const result = await dbBackup(['backup', join(dir, 'second.pgdump')], { DATABASE_URL: secretUrl }, dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('s3cret-word');
  });
});
