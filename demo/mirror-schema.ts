import { ident, qualified } from '../core/db/sql';

/**
 * Tables of the example HubSpot mirror: one column per HubSpot property, the way a sync tool lands them
 * in Postgres. Numbers are integer/numeric, calendar dates `date`, instants `timestamptz`, the rest text.
 * The column order here is also the column order of `hubspot-mirror/<table>.csv`.
 */
export type MirrorColumnType = 'bigint' | 'integer' | 'numeric' | 'date' | 'timestamptz' | 'text';

export interface MirrorColumn {
  name: string;
  type: MirrorColumnType;
}

export interface MirrorTable {
  table: string;
  /** The custom property holding the legacy ID (indexed). */
  legacyIdColumn: string;
  columns: readonly MirrorColumn[];
}

export const MIRROR_TABLE_NAMES = ['companies', 'contacts', 'deals', 'engagements'] as const;
export type MirrorTableName = (typeof MIRROR_TABLE_NAMES)[number];

const cols = (spec: Record<string, MirrorColumnType>): MirrorColumn[] =>
  Object.entries(spec).map(([name, type]) => ({ name, type }));

export const MIRROR_TABLES: Record<MirrorTableName, MirrorTable> = {
  companies: {
    table: 'companies',
    legacyIdColumn: 'legacy_company_id',
    columns: cols({
      hs_object_id: 'bigint',
      legacy_company_id: 'text',
      name: 'text',
      domain: 'text',
      website: 'text',
      phone: 'text',
      type: 'text',
      industry: 'text',
      numberofemployees: 'integer',
      annualrevenue: 'numeric',
      legacy_status: 'text',
      legacy_source: 'text',
      legacy_territory: 'text',
      hubspot_owner_id: 'text',
      legacy_email: 'text',
      address: 'text',
      address2: 'text',
      city: 'text',
      state: 'text',
      zip: 'text',
      country: 'text',
      legacy_created_date: 'date',
      createdate: 'timestamptz',
      hs_lastmodifieddate: 'timestamptz',
    }),
  },
  contacts: {
    table: 'contacts',
    legacyIdColumn: 'legacy_person_id',
    columns: cols({
      hs_object_id: 'bigint',
      legacy_person_id: 'text',
      salutation: 'text',
      firstname: 'text',
      lastname: 'text',
      email: 'text',
      phone: 'text',
      mobilephone: 'text',
      jobtitle: 'text',
      legacy_department: 'text',
      legacy_company_id: 'text',
      hs_lead_status: 'text',
      legacy_source: 'text',
      hubspot_owner_id: 'text',
      address: 'text',
      city: 'text',
      zip: 'text',
      country: 'text',
      legacy_created_date: 'date',
      createdate: 'timestamptz',
      lastmodifieddate: 'timestamptz',
    }),
  },
  deals: {
    table: 'deals',
    legacyIdColumn: 'legacy_opportunity_id',
    columns: cols({
      hs_object_id: 'bigint',
      legacy_opportunity_id: 'text',
      dealname: 'text',
      dealstage: 'text',
      amount: 'numeric',
      legacy_certainty: 'integer',
      closedate: 'date',
      dealtype: 'text',
      hs_priority: 'text',
      legacy_source: 'text',
      legacy_status: 'text',
      legacy_company_id: 'text',
      legacy_person_id: 'text',
      hubspot_owner_id: 'text',
      legacy_opened_date: 'date',
      legacy_closed_date: 'date',
      deal_currency_code: 'text',
      description: 'text',
      createdate: 'timestamptz',
      hs_lastmodifieddate: 'timestamptz',
    }),
  },
  engagements: {
    table: 'engagements',
    legacyIdColumn: 'legacy_communication_id',
    columns: cols({
      hs_object_id: 'bigint',
      legacy_communication_id: 'text',
      hs_engagement_type: 'text',
      hs_subject: 'text',
      hs_body: 'text',
      hs_timestamp: 'timestamptz',
      hs_status: 'text',
      hs_priority: 'text',
      hs_duration_minutes: 'integer',
      hubspot_owner_id: 'text',
      legacy_company_id: 'text',
      legacy_person_id: 'text',
      legacy_opportunity_id: 'text',
      createdate: 'timestamptz',
      hs_lastmodifieddate: 'timestamptz',
    }),
  },
};

export function mirrorColumnNames(table: MirrorTableName): string[] {
  return MIRROR_TABLES[table].columns.map((c) => c.name);
}

/** `CREATE TABLE` (and the legacy-ID index) for one mirror table, identifiers quoted. */
export function mirrorDdl(table: MirrorTableName, schema = 'hubspot'): string[] {
  const t = MIRROR_TABLES[table];
  const columns = t.columns.map(
    (c) => `  ${ident(c.name, 'column name')} ${c.type}${c.name === 'hs_object_id' ? ' PRIMARY KEY' : ''}`,
  );
  return [
    `CREATE TABLE ${qualified(schema, t.table)} (\n${columns.join(',\n')}\n)`,
    `CREATE INDEX ${ident(`${t.table}_${t.legacyIdColumn}_idx`, 'index name')} ON ${qualified(schema, t.table)} (${ident(t.legacyIdColumn, 'column name')})`,
  ];
}

/** The whole mirror schema as one SQL script (for documentation or psql). */
export function mirrorSchemaSql(schema = 'hubspot'): string {
  return MIRROR_TABLE_NAMES.flatMap((t) => mirrorDdl(t, schema).map((s) => `${s};`)).join('\n\n') + '\n';
}
