/**
 * npx tsx bench/mapping/build-legacy-pairs.ts
 *
 * Writes the four labeled pairs "Sage-style export -> HubSpot" into core/mapping/schemas/:
 * - source: what `CsvExportConnector.describe()` returns for the shipped example export (names, inferred types and
 *   the first sample values, exactly what the product would hand to `suggestMappings`);
 * - target: HubSpot property definitions (names, labels, types as the properties API reports them) of the mirror's
 *   columns plus other standard HubSpot properties as distractors, with samples from examples/hubspot-mirror;
 * - expected: core/mapping/default-hubspot-mapping.json (and the ID column -> the legacy-ID property); every other
 *   export column maps to nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FieldSchema } from '../../core/connectors/connector';
import { CsvExportConnector } from '../../core/connectors/csv/csv-export';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { LabeledPairSchema } from '../../core/mapping/suggest/labeled-pairs';
import { PACKAGE_ROOT } from '../../core/version';
import { DEAL_STAGES, LIFECYCLE_STAGES } from '../../sandbox/hubspot/schema';

type P = Omit<FieldSchema, 'name' | 'sample'>;
const s = (label: string, extra: Partial<P> = {}): P => ({ label, type: 'string', ...extra });
const n = (label: string, extra: Partial<P> = {}): P => ({ label, type: 'number', ...extra });
const e = (label: string, options: string[], extra: Partial<P> = {}): P => ({ label, type: 'enum', options, ...extra });
const dt = (label: string, extra: Partial<P> = {}): P => ({ label, type: 'datetime', ...extra });
const d = (label: string, extra: Partial<P> = {}): P => ({ label, type: 'date', ...extra });
const ro = { readOnly: true };
const owner = (label: string): P => ({ label, type: 'enum', format: 'reference' });

// Option lists companies and contacts share in HubSpot (the lifecycle stages are the emulator's own list).
const LEAD_STATUSES = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
];
const SOURCE_TYPES = [
  'ORGANIC_SEARCH',
  'PAID_SEARCH',
  'EMAIL_MARKETING',
  'SOCIAL_MEDIA',
  'REFERRALS',
  'OTHER_CAMPAIGNS',
  'DIRECT_TRAFFIC',
  'OFFLINE',
];

/** HubSpot properties (name -> definition) per mirror table: the mirror's columns first, then other standard ones. */
const HUBSPOT: Record<string, Record<string, P>> = {
  companies: {
    hs_object_id: n('Record ID', ro),
    legacy_company_id: s('Legacy company ID'),
    name: s('Company name'),
    domain: s('Company Domain Name', { format: 'domain' }),
    website: s('Website URL', { format: 'url' }),
    phone: s('Phone Number', { format: 'phone' }),
    type: e('Type', ['PROSPECT', 'PARTNER', 'RESELLER', 'VENDOR', 'OTHER']),
    industry: e('Industry', [
      'ACCOUNTING',
      'COMPUTER_SOFTWARE',
      'CONSTRUCTION',
      'EDUCATION_MANAGEMENT',
      'FINANCIAL_SERVICES',
      'GOVERNMENT_ADMINISTRATION',
      'HOSPITAL_HEALTH_CARE',
      'LAW_PRACTICE',
      'MACHINERY',
      'RETAIL',
      'TELECOMMUNICATIONS',
    ]),
    numberofemployees: n('Number of Employees'),
    annualrevenue: n('Annual Revenue', { format: 'currency' }),
    legacy_status: s('Legacy status'),
    legacy_source: s('Legacy source'),
    legacy_territory: s('Legacy territory'),
    hubspot_owner_id: owner('Company owner'),
    legacy_email: s('Legacy email', { format: 'email' }),
    address: s('Street Address'),
    address2: s('Street Address 2'),
    city: s('City'),
    state: s('State/Region'),
    zip: s('Postal Code'),
    country: s('Country/Region'),
    legacy_created_date: d('Legacy created date'),
    createdate: dt('Create Date'),
    hs_lastmodifieddate: dt('Last Modified Date', ro),
    description: s('Description', { format: 'textarea' }),
    lifecyclestage: e('Lifecycle Stage', LIFECYCLE_STAGES),
    hs_lead_status: e('Lead Status', LEAD_STATUSES),
    founded_year: s('Year Founded'),
    linkedin_company_page: s('LinkedIn Company Page', { format: 'url' }),
    twitterhandle: s('Twitter Handle'),
    timezone: e('Time Zone', ['europe_slash_london', 'america_slash_new_york']),
    is_public: { label: 'Is Public', type: 'boolean' },
    total_money_raised: s('Total Money Raised'),
    notes_last_updated: dt('Last Activity Date', ro),
    num_associated_contacts: n('Number of Associated Contacts', ro),
    hs_analytics_source: e('Original Source Type', SOURCE_TYPES, ro),
  },
  contacts: {
    hs_object_id: n('Record ID', ro),
    legacy_person_id: s('Legacy person ID'),
    salutation: s('Salutation'),
    firstname: s('First Name'),
    lastname: s('Last Name'),
    email: s('Email', { format: 'email' }),
    phone: s('Phone Number', { format: 'phone' }),
    mobilephone: s('Mobile Phone Number', { format: 'phone' }),
    jobtitle: s('Job Title'),
    legacy_department: s('Legacy department'),
    legacy_company_id: s('Legacy company ID'),
    hs_lead_status: e('Lead Status', LEAD_STATUSES),
    legacy_source: s('Legacy source'),
    hubspot_owner_id: owner('Contact owner'),
    address: s('Street Address'),
    city: s('City'),
    zip: s('Postal Code'),
    country: s('Country/Region'),
    legacy_created_date: d('Legacy created date'),
    createdate: dt('Create Date'),
    lastmodifieddate: dt('Last Modified Date', ro),
    state: s('State/Region'),
    company: s('Company Name'),
    website: s('Website URL', { format: 'url' }),
    fax: s('Fax Number', { format: 'phone' }),
    lifecyclestage: e('Lifecycle Stage', LIFECYCLE_STAGES),
    industry: s('Industry'),
    date_of_birth: s('Date of birth'),
    hs_language: e('Preferred language', ['en', 'en-gb', 'de', 'fr']),
    message: s('Message', { format: 'textarea' }),
    hs_analytics_source: e('Original Source', SOURCE_TYPES, ro),
    num_associated_deals: n('Number of Associated Deals', ro),
  },
  deals: {
    hs_object_id: n('Record ID', ro),
    legacy_opportunity_id: s('Legacy opportunity ID'),
    dealname: s('Deal Name'),
    dealstage: e('Deal Stage', DEAL_STAGES),
    amount: n('Amount', { format: 'currency' }),
    legacy_certainty: n('Legacy certainty'),
    closedate: dt('Close Date'),
    dealtype: e('Deal Type', ['newbusiness', 'existingbusiness']),
    hs_priority: e('Priority', ['low', 'medium', 'high']),
    legacy_source: s('Legacy source'),
    legacy_status: s('Legacy status'),
    legacy_company_id: s('Legacy company ID'),
    legacy_person_id: s('Legacy person ID'),
    hubspot_owner_id: owner('Deal owner'),
    legacy_opened_date: d('Legacy opened date'),
    legacy_closed_date: d('Legacy closed date'),
    deal_currency_code: e('Currency', ['GBP', 'USD', 'EUR']),
    description: s('Deal Description', { format: 'textarea' }),
    createdate: dt('Create Date'),
    hs_lastmodifieddate: dt('Last Modified Date', ro),
    pipeline: e('Pipeline', ['default']),
    hs_forecast_probability: n('Forecast probability', { format: 'percent' }),
    hs_deal_stage_probability: n('Deal probability', { format: 'percent', readOnly: true }),
    hs_next_step: s('Next step'),
    closed_lost_reason: s('Closed Lost Reason'),
    closed_won_reason: s('Closed Won Reason'),
    hs_manual_forecast_category: e('Forecast category', ['OMIT', 'PIPELINE', 'BEST_CASE', 'COMMIT', 'CLOSED']),
    hs_is_closed: { label: 'Is Deal Closed?', type: 'boolean', readOnly: true },
    hs_projected_amount: n('Weighted amount', { format: 'currency', readOnly: true }),
    num_associated_contacts: n('Number of Associated Contacts', ro),
  },
  engagements: {
    hs_object_id: n('Record ID', ro),
    legacy_communication_id: s('Legacy communication ID'),
    hs_engagement_type: e('Engagement type', ['CALL', 'EMAIL', 'MEETING', 'TASK', 'NOTE']),
    hs_subject: s('Subject'),
    hs_body: s('Body', { format: 'textarea' }),
    hs_timestamp: dt('Activity date'),
    hs_status: e('Status', ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']),
    hs_priority: e('Priority', ['LOW', 'MEDIUM', 'HIGH']),
    hs_duration_minutes: n('Duration (minutes)'),
    hubspot_owner_id: owner('Activity assigned to'),
    legacy_company_id: s('Legacy company ID'),
    legacy_person_id: s('Legacy person ID'),
    legacy_opportunity_id: s('Legacy opportunity ID'),
    createdate: dt('Create Date'),
    hs_lastmodifieddate: dt('Last Modified Date', ro),
    hs_task_type: e('Task type', ['CALL', 'EMAIL', 'TODO']),
    hs_call_direction: e('Call direction', ['INBOUND', 'OUTBOUND']),
    hs_meeting_location: s('Meeting location'),
    hs_attachment_ids: s('Attached file IDs', { multiValue: true }),
  },
};

function mirrorSamples(table: string): Record<string, string[]> {
  const rows = parse(readFileSync(path.join(PACKAGE_ROOT, 'examples', 'hubspot-mirror', `${table}.csv`)), {
    columns: true,
  }) as Array<Record<string, string>>;
  const out: Record<string, string[]> = {};
  for (const row of rows.slice(200, 400)) {
    for (const [k, v] of Object.entries(row)) {
      const list = (out[k] ??= []);
      if (v && list.length < 5) list.push(v);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { config } = builtInMapping();
  const objects = Object.fromEntries(
    Object.entries(config.objects).map(([o, spec]) => [o, { file: spec.legacy.file, idColumn: spec.legacy.idColumn }]),
  );
  const csv = new CsvExportConnector(path.join(PACKAGE_ROOT, 'examples', 'legacy-export'), objects, {
    rejectDuplicateIds: false,
  });
  for (const [object, spec] of Object.entries(config.objects)) {
    const source = await csv.describe(object);
    const samples = mirrorSamples(spec.target.table);
    const props = HUBSPOT[spec.target.table]!;
    const target = {
      system: 'hubspot',
      object: spec.target.table,
      idField: 'hs_object_id',
      fields: Object.entries(props).map(([name, p]) => ({
        name,
        ...p,
        ...(samples[name] ? { sample: samples[name] } : {}),
      })),
    };
    const expected: Record<string, string | string[] | null> = Object.fromEntries(
      source.fields.map((f) => [f.name, null]),
    );
    expected[spec.legacy.idColumn] = spec.target.legacyIdColumn;
    for (const p of spec.properties) {
      if (p.from === undefined) continue; // a template draws on several columns: no one-to-one label
      const prev = expected[p.from];
      expected[p.from] = prev == null ? p.to : [...(Array.isArray(prev) ? prev : [prev]), p.to];
    }
    const pair = LabeledPairSchema.parse({
      id: `sage-${spec.legacy.file.toLowerCase()}-to-hubspot-${spec.target.table}`,
      title: `Sage-style export ${spec.legacy.file} -> HubSpot ${spec.target.table}`,
      heldOut: false,
      provenance:
        'Generated by bench/mapping/build-legacy-pairs.ts. Source: CsvExportConnector.describe() of examples/legacy-export. Target: HubSpot CRM properties API names/labels/types (mirror columns, custom legacy_* properties, other standard properties as distractors), samples from examples/hubspot-mirror. Expected: core/mapping/default-hubspot-mapping.json; the export ID column maps to the legacy-ID property; columns the mapping leaves out map to nothing.',
      source: { system: 'sage-export', ...source },
      target,
      expected,
      notes: Object.fromEntries(
        Object.entries(expected)
          .filter(([, v]) => Array.isArray(v))
          .map(([k]) => [
            k,
            'feeds several HubSpot properties; any of them counts as right for a one-to-one suggestion',
          ]),
      ),
    });
    const file = path.join(PACKAGE_ROOT, 'core', 'mapping', 'schemas', `${pair.id}.json`);
    writeFileSync(file, `${JSON.stringify(pair, null, 2)}\n`);
    console.log(
      `wrote ${path.relative(PACKAGE_ROOT, file)}: ${source.fields.length} source fields, ${target.fields.length} target fields`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
