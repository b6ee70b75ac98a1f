import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

/** Where the default SQLite file lives when DATABASE_URL is unset (relative to the working directory). */
export const DEFAULT_SQLITE_FILE = 'data/parley.db';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** The SQLite file, or the Postgres connection string. */
  location: string;
}

/** DATABASE_URL: unset or `sqlite:<file>` for SQLite, `postgres://…` for Postgres. */
export function databaseTarget(url: string | undefined): DatabaseTarget {
  if (!url) return { kind: 'sqlite', location: resolve(DEFAULT_SQLITE_FILE) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', location: url };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new Error('DATABASE_URL "sqlite:" needs a file name, e.g. sqlite:data/parley.db');
    return { kind: 'sqlite', location: file === ':memory:' ? file : resolve(file) };
  }
  throw new Error('DATABASE_URL must start with postgres://, postgresql:// or sqlite:');
}

// Postgres returns bigint (int8) as strings by default; every bigint here is epoch milliseconds.
pg.types.setTypeParser(20, (value) => Number(value));

/** Opens the database and applies every pending migration; the caller closes it with `db.destroy()`. */
export async function openDatabase(url: string | undefined): Promise<Kysely<Database>> {
  const target = databaseTarget(url);
  let db: Kysely<Database>;
  if (target.kind === 'sqlite') {
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    db = new Kysely<Database>({
      dialect: new SqliteDialect({
        database: async () => {
          const sqlite = new BetterSqlite3(target.location);
          // WAL lets the sfu read while the transcript writer (another process) writes.
          sqlite.pragma('journal_mode = WAL');
          sqlite.pragma('busy_timeout = 5000');
          sqlite.pragma('foreign_keys = ON');
          sqlite.pragma('synchronous = NORMAL');
          return sqlite;
        },
      }),
    });
  } else {
    const pool = new pg.Pool({ connectionString: target.location, max: 5 });
    // An idle connection the server closed (restart, shutdown) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/**
 * Two processes may start at once on one SQLite file, where Kysely's migration lock is a no-op:
 * the loser of the race fails, waits and finds the work done.
 */
async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    if (attempt >= 5) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`);
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}
