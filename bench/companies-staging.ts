import type { Sql } from '../core/db/sql';
import { ensureObjectTable } from '../core/migrations';
import { mirrorDdl } from '../demo/mirror-schema';

/**
 * An empty HubSpot companies mirror and companies staging table, and a succeeded reconcile run of the mapping whose
 * hash is `mappingSha256`: where the lookup and apply benches stage their rows by SQL, without running reconcile.
 */
export async function resetCompaniesStaging(sql: Sql, mappingSha256: string): Promise<void> {
  await sql.query('CREATE SCHEMA IF NOT EXISTS hubspot');
  await sql.query('DROP TABLE IF EXISTS hubspot.companies');
  for (const statement of mirrorDdl('companies')) await sql.query(statement);
  await ensureObjectTable(sql, 'companies');
  await sql.query('TRUNCATE staging.companies');
  await sql.query(
    `INSERT INTO staging.reconciliation_log (run_id, object, source, target, mapping_sha256, status, finished_at)
     VALUES (gen_random_uuid(), 'companies', 'bench', 'hubspot.companies', $1, 'succeeded', now())`,
    [mappingSha256],
  );
}
