import { ident, inTransaction, type Sql, withAdvisoryLock } from './sql';
import { STAGING_MIGRATIONS, OBJECT_TABLE_MIGRATIONS, type Migration } from '../staging/migrations';
import { SYNC_MIGRATIONS } from '../sync/migrations';
import { WEBHOOK_MIGRATIONS } from '../webhooks/migrations';
import { APPLY_MIGRATIONS } from '../apply/migrations';

const MIGRATION_LOCK = 'crm-bridge:migrate';

/**
 * Applies pending migrations once, in order. Several processes may start at once (n8n workers, CLI runs):
 * the advisory lock makes the second wait and then find nothing left to do.
 */
export async function migrate(sql: Sql): Promise<string[]> {
  return withAdvisoryLock(sql, MIGRATION_LOCK, async () => {
    await sql.query('CREATE SCHEMA IF NOT EXISTS staging');
    await sql.query(`CREATE TABLE IF NOT EXISTS staging.schema_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    return applyPending(sql, [...STAGING_MIGRATIONS, ...SYNC_MIGRATIONS, ...WEBHOOK_MIGRATIONS, ...APPLY_MIGRATIONS]);
  });
}

/** Creates (or upgrades) the reconciliation table of one object; object names come from the mapping config. */
export async function ensureObjectTable(sql: Sql, object: string): Promise<string[]> {
  const table = ident(object, 'object name');
  const migrations = OBJECT_TABLE_MIGRATIONS.map((m) => ({ id: `${object}:${m.id}`, up: (s: Sql) => m.up(s, table) }));
  return withAdvisoryLock(sql, MIGRATION_LOCK, () => applyPending(sql, migrations));
}

async function applyPending(sql: Sql, migrations: Migration[]): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM staging.schema_migrations');
  const done = new Set(rows.map((r) => r.id));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    await inTransaction(sql, async () => {
      await migration.up(sql);
      await sql.query('INSERT INTO staging.schema_migrations (id) VALUES ($1)', [migration.id]);
    });
    applied.push(migration.id);
  }
  return applied;
}
