/**
 * Every schema migration of the product, in the order they apply: each capability (staging, sync, webhooks, apply)
 * declares its own, and this list, not the database layer, puts them together.
 */
import { APPLY_MIGRATIONS } from './apply/migrations';
import { applyMigrations, migrateWith, type Migration } from './db/migrate';
import { ident, type Sql } from './db/sql';
import { OBJECT_TABLE_MIGRATIONS, STAGING_MIGRATIONS } from './staging/migrations';
import { SYNC_MIGRATIONS } from './sync/migrations';
import { WEBHOOK_MIGRATIONS } from './webhooks/migrations';

export const MIGRATIONS: readonly Migration[] = [
  ...STAGING_MIGRATIONS,
  ...SYNC_MIGRATIONS,
  ...WEBHOOK_MIGRATIONS,
  ...APPLY_MIGRATIONS,
];

/** Brings the database's schema up to date; returns the IDs of the migrations applied. */
export async function migrate(sql: Sql): Promise<string[]> {
  return migrateWith(sql, MIGRATIONS);
}

/** Creates (or upgrades) the reconciliation table of one object; object names come from the mapping config. */
export async function ensureObjectTable(sql: Sql, object: string): Promise<string[]> {
  const table = ident(object, 'object name');
  const migrations = OBJECT_TABLE_MIGRATIONS.map((m) => ({ id: `${object}:${m.id}`, up: (s: Sql) => m.up(s, table) }));
  return applyMigrations(sql, migrations);
}
