import { inTransaction, type Sql, withAdvisoryLock } from './sql';

/** One step of the schema, applied once and recorded by its ID in `staging.schema_migrations`. */
export interface Migration {
  id: string;
  up(sql: Sql): Promise<void>;
}

const MIGRATION_LOCK = 'crm-bridge:migrate';

/**
 * Applies pending migrations once, in order, after creating the table that records them. Several processes may start
 * at once (n8n workers, CLI runs): the advisory lock makes the second wait and then find nothing left to do.
 */
export async function migrateWith(sql: Sql, migrations: readonly Migration[]): Promise<string[]> {
  return withAdvisoryLock(sql, MIGRATION_LOCK, async () => {
    await sql.query('CREATE SCHEMA IF NOT EXISTS staging');
    await sql.query(`CREATE TABLE IF NOT EXISTS staging.schema_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    return applyPending(sql, migrations);
  });
}

/** Applies pending migrations under the same lock, once `migrateWith` has made their record table. */
export async function applyMigrations(sql: Sql, migrations: readonly Migration[]): Promise<string[]> {
  return withAdvisoryLock(sql, MIGRATION_LOCK, () => applyPending(sql, migrations));
}

async function applyPending(sql: Sql, migrations: readonly Migration[]): Promise<string[]> {
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
