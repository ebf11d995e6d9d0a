import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../core/db/database';

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
    const db = await openDatabase({ home: options.embeddedHome ?? 'memory://' });
    return { db, drop: () => db.close() };
  }
  const name = `crm_bridge_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
