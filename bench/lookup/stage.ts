import type { Database } from '../../core/db/database';
import type { LoadedMapping } from '../../core/mapping/load-mapping';
import { resetCompaniesStaging } from '../companies-staging';

/** Legacy IDs of staged companies are FIRST_ID .. FIRST_ID + rows - 1; IDs past them are missing. */
export const FIRST_ID = 100_000;
const targetId = (i: string) => `90000000000 + ${i}`;
const CHUNK = 100_000;

/**
 * `rows` staged companies (matched, with a mirror record each, legacy properties and updates pending as a reconcile
 * leaves them) and a succeeded reconcile run, written by SQL in chunks of generate_series, not through reconcile.
 */
export async function stageCompanies(db: Database, mapping: LoadedMapping, rows: number): Promise<void> {
  await db.withConnection(async (sql) => {
    await resetCompaniesStaging(sql, mapping.sha256);
    for (let from = 0; from < rows; from += CHUNK) {
      const to = Math.min(rows, from + CHUNK) - 1;
      await sql.query(
        `INSERT INTO hubspot.companies (hs_object_id, legacy_company_id, name, domain, phone, city, country, createdate, hs_lastmodifieddate)
         SELECT ${targetId('i')}, (${FIRST_ID} + i)::text, 'Company ' || i || ' Ltd', 'c' || i || '.example.com',
                '+44 20 7946 ' || lpad((i % 10000)::text, 4, '0'), 'Leeds', 'United Kingdom', now(), now()
           FROM generate_series(${from}, ${to}) AS i`,
      );
      await sql.query(
        `INSERT INTO staging.companies (legacy_id, target_id, target_ids, status, match_confidence, legacy_properties,
                                        properties_to_update, notes, source, source_line, first_run_id, last_changed_run_id)
         SELECT (${FIRST_ID} + i)::text, (${targetId('i')})::text, ARRAY[(${targetId('i')})::text], 'matched', 100,
                jsonb_build_object('Comp_CompanyId', (${FIRST_ID} + i)::text, 'Comp_Name', 'Company ' || i,
                  'Comp_WebSite', 'www.c' || i || '.example.com', 'Comp_Employees', (i % 5000)::text,
                  'Comp_Type', 'Customer', 'Addr_City', 'York', 'Addr_Country', 'United Kingdom',
                  'Comp_PhoneFullNumber', '020 7946 ' || lpad((i % 10000)::text, 4, '0')),
                jsonb_build_object('name', 'Company ' || i, 'city', 'York'),
                '{}', 'Company.csv', i + 2, gen_random_uuid(), gen_random_uuid()
           FROM generate_series(${from}, ${to}) AS i`,
      );
    }
    await sql.query('ANALYZE hubspot.companies');
    await sql.query('ANALYZE staging.companies');
  });
}
