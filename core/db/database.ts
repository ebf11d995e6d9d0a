import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Sql } from './sql';
import { lockEmbeddedDatabase } from './embedded-lock';
import { migrate } from '../migrations';
import { currentProcess } from './process-owner';
import { redactUrl } from './redact';
import { chooseHome } from './home';

export interface DatabaseOptions {
  /** A postgres:// URL. When absent, the embedded PGlite database in `home` is used. */
  url?: string;
  /** Data folder of the embedded database (default: `defaultHome()`); `memory://` keeps it in memory. */
  home?: string;
  /** Pool size for a server; the embedded database always has exactly one connection. */
  maxConnections?: number;
  /**
   * For `memory://`: start from this data directory (a `dumpDataDir()` of another embedded database, e.g. one already
   * migrated) instead of an empty cluster, which skips initdb and the migrations (the test suite opens hundreds).
   */
  template?: Blob;
}

export interface Database {
  readonly kind: 'embedded' | 'server';
  /** Where the data lives, with any password removed (safe for logs and output). */
  readonly location: string;
  readonly pool: Sql;
  /** Borrows one connection for work that needs a session (transactions, advisory locks, cursors). */
  withConnection<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** The embedded database's data directory as a tarball (see `template`); absent on a server. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export function resolveDatabaseOptions(
  env: NodeJS.ProcessEnv = process.env,
  overrides: DatabaseOptions = {},
): DatabaseOptions {
  return {
    url: overrides.url ?? (env.DATABASE_URL || undefined),
    home: overrides.home ?? (env.CRM_BRIDGE_HOME || undefined),
    maxConnections: overrides.maxConnections,
  };
}

/** `$CRM_BRIDGE_HOME`, else `./.crm-bridge` inside a crm-bridge project, else the user's data folder (core/db/home.ts). */
export function defaultHome(): string {
  return chooseHome().home;
}

/** Opens the configured database and brings the staging schema up to date. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const database = options.url
    ? await openServer(options.url, options.maxConnections ?? 4)
    : await openEmbedded(options.home, options.template);
  try {
    await database.withConnection((sql) => migrate(sql));
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * Every session says which process it belongs to: rows that record their owner by default (`sync.runs`,
 * `staging.reconciliation_log`) take it from here, so a run whose process died can be recognised.
 */
const OWNER_SETTINGS =
  "SELECT set_config('crm_bridge.pid', $1, false), set_config('crm_bridge.host', $2, false), set_config('crm_bridge.started_at', $3, false)";
const ownerValues = () => {
  const me = currentProcess();
  return [String(me.pid), me.host, me.startedAt ?? ''];
};

function wrapPool(kind: Database['kind'], location: string, pool: pg.Pool, onClose: () => Promise<void>): Database {
  return {
    kind,
    location,
    pool,
    async withConnection(fn) {
      const client = await pool.connect();
      try {
        return await fn(client);
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      await onClose();
    },
  };
}

async function openServer(url: string, max: number): Promise<Database> {
  // Loaded here, not with this module: the embedded database (PGlite) has no use for node-postgres.
  const { Pool } = (await import('pg')).default;
  const pool = new Pool({
    connectionString: url,
    max,
    // Awaited by the pool before it lends the new connection, so the owner is set before the borrower's first query
    // (a 'connect' listener's query would run beside it, which pg deprecates). @types/pg types the hook as returning
    // void; pg-pool awaits what it returns.
    onConnect: ((client: pg.ClientBase) => client.query(OWNER_SETTINGS, ownerValues())) as (c: pg.ClientBase) => void,
  });
  // An idle client that loses its server must not crash the process; the next query reports the error.
  pool.on('error', () => undefined);
  return wrapPool('server', redactUrl(url), pool, async () => undefined);
}

async function openEmbedded(home = defaultHome(), template?: Blob): Promise<Database> {
  if (home === 'memory://') return openPglite('memory://', 'memory://', async () => undefined, template);
  const dataDir = path.resolve(home, 'pgdata');
  mkdirSync(dataDir, { recursive: true });
  // PGlite is single-process: a second process opening the same folder would corrupt it, so we refuse instead.
  const release = await lockEmbeddedDatabase(path.resolve(home), dataDir);
  try {
    return await openPglite(dataDir, dataDir, release);
  } catch (error) {
    await release();
    throw error;
  }
}

async function openPglite(
  dataDir: string,
  location: string,
  release: () => Promise<void>,
  template?: Blob,
): Promise<Database> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  // Same value shapes as node-postgres, so code and tests see one thing on both: 64-bit integers and numerics as strings.
  const pglite = await PGlite.create(dataDir, {
    parsers: { [types.INT8]: (v: string) => v, [types.NUMERIC]: (v: string) => v },
    ...(template ? { loadDataDir: template } : {}),
  });
  await pglite.query(OWNER_SETTINGS, ownerValues());
  // PGlite's node-postgres adapter loses protocol sync after a failed parameterised query, so we speak to PGlite
  // directly. It has one session: a mutex hands it to one caller at a time, like a pool of one connection.
  const session: Required<Sql> = {
    async query(text, values) {
      const result = await pglite.query(text, values as unknown[] | undefined);
      return { rows: result.rows as never[], rowCount: result.affectedRows ?? result.rows.length };
    },
    // PGlite has no COPY ... FROM STDIN; it reads the rows from a blob it mounts at /dev/blob.
    async bulkLoad(target, rows) {
      await pglite.query(`COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob([rows]) });
    },
  };
  const mutex = new Mutex();
  // Work done inside `withConnection` (a sync stream writing to the Postgres mirror through `pool`) already holds the
  // one session: its pool queries use it directly instead of waiting for themselves.
  const holder = new AsyncLocalStorage<true>();
  return {
    kind: 'embedded',
    location,
    pool: {
      query: (text, values) =>
        holder.getStore() ? session.query(text, values) : mutex.run(() => session.query(text, values)),
      bulkLoad: (target, rows) =>
        holder.getStore() ? session.bulkLoad(target, rows) : mutex.run(() => session.bulkLoad(target, rows)),
    },
    withConnection: (fn) => (holder.getStore() ? fn(session) : mutex.run(() => holder.run(true, () => fn(session)))),
    dumpDataDir: () => mutex.run(async () => pglite.dumpDataDir('gzip')),
    async close() {
      await mutex.run(async () => undefined);
      await pglite.close();
      await release();
    },
  };
}

/** Runs async critical sections one after another, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
