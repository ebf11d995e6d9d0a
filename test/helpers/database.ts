import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../core/db/database';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { migratedHome } from './embedded-home';

export interface TestDatabase {
  db: Database;
  /** Connection URL when on a server (for spawning processes against the same data), else undefined. */
  url?: string;
  drop(): Promise<void>;
}

/**
 * With DATABASE_URL set the suite runs against that PostgreSQL server, each test file in a database of its own
 * (created here, dropped after); without it, against an in-memory PGlite, the product's embedded default.
 */
export async function createTestDatabase(options: { embeddedHome?: string } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const home = options.embeddedHome ?? 'memory://';
    // In memory, start from the migrated database test/global-setup.ts made once for the run.
    const template = home === 'memory://' ? new Blob([readFileSync(inject('embeddedTemplate'))]) : undefined;
    const db = await openDatabase({ home, template });
    return { db, drop: () => db.close() };
  }
  const temporary = await createTemporaryDatabase(serverUrl, 'crm_bridge_test');
  const db = await openDatabase({ url: temporary.url });
  return {
    db,
    url: temporary.url,
    async drop() {
      await db.close();
      await temporary.drop();
    },
  };
}

/**
 * The database a spawned server or CLI used, opened in this process: the server's own connection, or the embedded
 * home opened for the time of `fn` (the embedded database serves one process at a time, so only while none holds it).
 */
export async function inDatabaseOf<T>(
  server: TestDatabase | undefined,
  home: string | undefined,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  if (server) return fn(server.db);
  if (!home) throw new Error('neither a server database nor an embedded home to open');
  const db = await openDatabase({ home });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Where a spawned CLI or MCP server keeps its state: a fresh database on DATABASE_URL's server (dropped by `drop`),
 * else a new migrated embedded home. `env` is what to give the process.
 */
export async function databaseForProcess(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (!process.env.DATABASE_URL) return { env: { CRM_BRIDGE_HOME: migratedHome() }, drop: async () => undefined };
  const temporary = await createTemporaryDatabase(process.env.DATABASE_URL, 'crm_bridge_test');
  return { env: { DATABASE_URL: temporary.url }, drop: temporary.drop };
}
