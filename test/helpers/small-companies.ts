import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../core/db/database';
import { parseMappingConfig } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { createTestDatabase } from './database';
import { migratedHome } from './embedded-home';

/** A small companies export against a small HubSpot mirror, with one case of each status and quarantine reason. */
export const SMALL_MAPPING_CONFIG = {
  version: 1,
  target: { system: 'hubspot', schema: 'crm' },
  defaults: { phoneCountry: 'GB', dateOrder: 'DMY' },
  objects: {
    companies: {
      legacy: { file: 'Company', idColumn: 'Comp_CompanyId' },
      target: { table: 'companies', idColumn: 'hs_object_id', legacyIdColumn: 'legacy_id' },
      identity: ['name'],
      properties: [
        { from: 'Comp_Name', to: 'name', transform: ['trim'] },
        { from: 'Comp_Phone', to: 'phone', transform: ['phone'] },
        { from: 'Comp_Employees', to: 'numberofemployees', transform: ['integer'] },
        {
          from: 'Comp_Type',
          to: 'type',
          transform: [{ type: 'map', values: { Customer: 'CUSTOMER', Prospect: 'PROSPECT' } }],
        },
        { from: 'Comp_Created', to: 'created', transform: ['date'] },
      ],
    },
  },
};

export const smallMapping = () => parseMappingConfig(SMALL_MAPPING_CONFIG);

// Line numbers matter: the header is line 1, and C3's quoted line break makes C4 start on line 6.
export const SMALL_EXPORT = [
  'Comp_CompanyId;Comp_Name;Comp_Phone;Comp_Employees;Comp_Type;Comp_Created',
  'C1;Acme  Ltd ;020 7946 0001;1,200;Customer;14/03/2019', // equal to the mirror once canonical
  'C2;Globex PLC;020 7946 0002;50;Prospect;01/02/2020', // mirror has another phone and no type
  'C3;"Initech',
  'Ltd";020 7946 0003;approx 50;Customer;', // employees cannot be parsed: a field issue
  'C4;Umbrella Corp;;10;Partner;02/02/2020', // unknown type: a field issue; blank phone must not clear the mirror's
  'C5;Hooli;;;;', // no mirror record: new
  'C6;Duplicated;;;;', // two mirror records: conflict
  ';No ID Ltd;;;;', // quarantined: missing ID
  'C7;Too;Many;Fields;;;;', // quarantined: extra fields
  'C1;Acme again;;;;', // quarantined: duplicate ID
  'C9;Renamed Widgets;;5;;', // matched by ID but the name is unrelated: lower confidence
].join('\r\n');

export const SMALL_MIRROR = `
  CREATE SCHEMA crm;
  CREATE TABLE crm.companies (hs_object_id bigint PRIMARY KEY, legacy_id text, name text, phone text, numberofemployees integer, type text, created date);
  INSERT INTO crm.companies VALUES
    (101, 'C1', 'Acme Ltd', '+44 20 7946 0001', 1200, 'CUSTOMER', '2019-03-14'),
    (102, 'C2', 'Globex PLC', '+44 20 7946 9999', 50, NULL, '2020-02-01'),
    (103, 'C3', 'Initech Ltd', NULL, 7, 'CUSTOMER', NULL),
    (104, 'C4', 'Umbrella Corp', '+44 20 7946 0004', 10, 'PARTNER', '2020-02-02'),
    (106, 'C6', 'Duplicated', NULL, NULL, NULL, NULL),
    (107, 'C6', 'Duplicated Inc', NULL, NULL, NULL, NULL),
    (108, 'X8', 'Gone From Export', NULL, NULL, NULL, NULL),
    (109, NULL, 'Created In HubSpot', NULL, NULL, NULL, NULL),
    (110, 'C9', 'Zebra Logistics', NULL, 5, NULL, NULL);
`;

/** Writes the export as `<dir>/Company.csv` and creates the mirror in the database. */
export async function loadSmallCompanies(db: Database, dir: string): Promise<void> {
  writeFileSync(path.join(dir, 'Company.csv'), SMALL_EXPORT);
  for (const statement of SMALL_MIRROR.split(';')
    .map((s) => s.trim())
    .filter(Boolean))
    await db.pool.query(statement);
}

/** The small companies reconciled in a database of their own, for a CLI process to serve (its env and mapping file). */
export interface ReconciledSmallCompanies {
  mappingFile: string;
  env: NodeJS.ProcessEnv;
  drop(): Promise<void>;
}

export async function reconciledSmallCompanies(prefix: string): Promise<ReconciledSmallCompanies> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const home = process.env.DATABASE_URL ? undefined : migratedHome(path.join(dir, 'home'));
  const t = await createTestDatabase({ embeddedHome: home });
  await loadSmallCompanies(t.db, dir);
  await reconcile(t.db, { object: 'companies', mapping: smallMapping(), legacyPath: dir });
  // The embedded database serves one process at a time: hand it over to the CLI.
  if (home) await t.db.close();
  const mappingFile = path.join(dir, 'mapping.json');
  writeFileSync(mappingFile, JSON.stringify(SMALL_MAPPING_CONFIG));
  return {
    mappingFile,
    env: { PATH: process.env.PATH, ...(t.url ? { DATABASE_URL: t.url } : { CRM_BRIDGE_HOME: home }) },
    drop: async () => {
      if (t.url) await t.drop();
    },
  };
}
