import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../core/db/database';

/**
 * What the broken-export tests (CLI, MCP, n8n) reconcile: companies identified by name alone, an export folder the
 * test rewrites line by line, and a mirror holding the companies it names.
 */
export const NAME_ONLY_MAPPING = {
  version: 1,
  target: { system: 'hubspot', schema: 'crm' },
  objects: {
    companies: {
      legacy: { file: 'Company', idColumn: 'Comp_CompanyId' },
      target: { table: 'companies', idColumn: 'hs_object_id', legacyIdColumn: 'legacy_id' },
      identity: ['name'],
      properties: [{ from: 'Comp_Name', to: 'name', transform: ['trim'] }],
    },
  },
};

export const EXPORT_HEADER = 'Comp_CompanyId,Comp_Name';

/** The export folder and mapping file in `dir`; `writeExport` replaces the folder's Company.csv with `lines`. */
export function brokenExportFiles(dir: string) {
  const exportDir = path.join(dir, 'export');
  const mappingFile = path.join(dir, 'mapping.json');
  mkdirSync(exportDir);
  writeFileSync(mappingFile, JSON.stringify(NAME_ONLY_MAPPING));
  const writeExport = (lines: string[]) => writeFileSync(path.join(exportDir, 'Company.csv'), `${lines.join('\n')}\n`);
  return { exportDir, mappingFile, writeExport };
}

/** The mirror: one company per [legacy ID, name], with target IDs 101, 102, ... */
export async function createCompanyMirror(db: Database, companies: Array<[string, string]>): Promise<void> {
  await db.pool.query('CREATE SCHEMA crm');
  await db.pool.query('CREATE TABLE crm.companies (hs_object_id bigint PRIMARY KEY, legacy_id text, name text)');
  const values = companies.map(([legacyId, name], i) => `(${101 + i}, '${legacyId}', '${name}')`).join(', ');
  await db.pool.query(`INSERT INTO crm.companies VALUES ${values}`);
}
