/**
 * The "formatting only" differences injected into the example data must canonicalise equal through the product's
 * ObjectMapper (map() on the legacy side, normaliseTarget() on the mirror side); the real ones must not.
 */
import { describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { OBJECTS, SHIPPED, readLegacy, readMirror, readTruth, rowObject, type ObjectName } from './example-files';

const config = builtInMapping().config;
const mappers = Object.fromEntries(OBJECTS.map((o) => [o, new ObjectMapper(config, o)])) as Record<
  ObjectName,
  ObjectMapper
>;

function legacyCanonical(object: ObjectName, column: string, value: string) {
  return mappers[object].map({ [column]: value });
}

// [object, legacy column, legacy values, target property, mirror values]: every pair must compare equal.
const SAME: Array<[ObjectName, string, string[], string, string[]]> = [
  [
    'companies',
    'Comp_PhoneFullNumber',
    ['+44 20 7946 0123', '020 7946 0123', '(020) 7946-0123', '02079460123', '+44 (0)20 7946 0123', '+442079460123'],
    'phone',
    ['+44 20 7946 0123', '+442079460123', '020 7946 0123'],
  ],
  [
    'companies',
    'Comp_PhoneFullNumber',
    ['0161 496 0871', '(0161) 496-0871', '+44 (0)161 496 0871'],
    'phone',
    ['+44 161 496 0871'],
  ],
  [
    'companies',
    'Comp_PhoneFullNumber',
    ['+49 30 1234 5678', '+493012345678', '0049 30 1234 5678'],
    'phone',
    ['+49 30 1234 5678', '+493012345678'],
  ],
  ['companies', 'Comp_PhoneFullNumber', ['+33 1 42 68 53 00', '0033 1 42 68 53 00'], 'phone', ['+33142685300']],
  [
    'companies',
    'Comp_PhoneFullNumber',
    ['+1 212 555 0123', '001 212 555 0123', '+12125550123'],
    'phone',
    ['+1 212 555 0123'],
  ],
  [
    'contacts',
    'Pers_MobileFullNumber',
    ['07700 900123', '(07700) 900123', '+44 7700 900123'],
    'mobilephone',
    ['+44 7700 900123', '+447700900123'],
  ],
  [
    'companies',
    'Comp_EmailAddress',
    ['Info@Acme.CO.UK', 'INFO@ACME.CO.UK', 'info@acme.co.uk'],
    'legacy_email',
    ['info@acme.co.uk'],
  ],
  [
    'contacts',
    'Pers_EmailAddress',
    ['John.Smith@Acme-Ltd.Co.Uk', 'JOHN.SMITH@ACME-LTD.CO.UK'],
    'email',
    ['john.smith@acme-ltd.co.uk'],
  ],
  [
    'companies',
    'Comp_WebSite',
    ['www.acme-ltd.co.uk', 'Www.Acme-Ltd.Co.Uk', 'https://www.acme-ltd.co.uk/', 'https://WWW.ACME-LTD.CO.UK'],
    'domain',
    ['acme-ltd.co.uk', 'www.acme-ltd.co.uk'],
  ],
  [
    'companies',
    'Comp_WebSite',
    ['www.acme-ltd.co.uk', 'Www.Acme-Ltd.Co.Uk', 'https://www.acme-ltd.co.uk/', 'https://WWW.ACME-LTD.CO.UK'],
    'website',
    ['https://www.acme-ltd.co.uk', 'https://www.acme-ltd.co.uk/'],
  ],
  ['companies', 'Comp_Employees', ['1,200', '1200', ' 1200'], 'numberofemployees', ['1200']],
  [
    'companies',
    'Comp_Revenue',
    ['1,200,000', '£1,200,000', '1200000.00', '1,200,000.00', '1200000'],
    'annualrevenue',
    ['1200000', '1200000.00'],
  ],
  ['deals', 'Oppo_Forecast', ['€12,500.50', '12,500.50', '$12,500.50', '12500.5'], 'amount', ['12500.50', '12500.5']],
  [
    'companies',
    'Comp_CreatedDate',
    ['14/03/2019', '14/03/2019 09:12', '14-03-2019', '14.03.2019', '14 Mar 2019', '14/03/19'],
    'legacy_created_date',
    ['2019-03-14'],
  ],
  ['deals', 'Oppo_TargetClose', ['04/03/2019', '4/3/2019', '4 Mar 2019'], 'closedate', ['2019-03-04']],
  [
    'engagements',
    'Comm_DateTime',
    ['14/03/2019 14:30', '14/03/2019 2:30 PM', '2019-03-14 14:30:00', '14/03/2019 14:30:00'],
    'hs_timestamp',
    ['2019-03-14T14:30:00Z', '2019-03-14 14:30:00+00', '2019-03-14T15:30:00+01:00'],
  ],
  ['companies', 'Comp_Name', ['  Acme   Ltd ', 'Acme Ltd ', ' Acme Ltd  '], 'name', ['Acme Ltd']],
  [
    'engagements',
    'Comm_Note',
    ['Left a voicemail\r\nSaid "ASAP"\n', 'Left a voicemail\n\nSaid "ASAP"', 'Left a voicemail  Said "ASAP"'],
    'hs_body',
    ['Left a voicemail\nSaid "ASAP"', 'Left a voicemail Said "ASAP"'],
  ],
  ['companies', 'Addr_PostCode', ['sw1a 1aa', ' sw1a 1aa ', 'SW1A 1AA'], 'zip', ['SW1A 1AA']],
  ['deals', 'Oppo_Currency', ['eur', ' Eur ', 'EUR'], 'deal_currency_code', ['EUR']],
  ['companies', 'Comp_Type', ['Customer', 'customer', ' CUSTOMER '], 'type', ['CUSTOMER']],
  ['companies', 'Comp_Type', ['Supplier'], 'type', ['VENDOR']],
  ['companies', 'Comp_Type', ['Competitor', 'Other'], 'type', ['OTHER']],
  ['companies', 'Comp_PrimaryUserId', ['3', ' 3 '], 'hubspot_owner_id', ['51000103']],
  ['deals', 'Oppo_Stage', ['Closed Won', 'Won', 'closed won'], 'dealstage', ['closedwon']],
  ['contacts', 'Pers_Status', ['Active', 'ACTIVE'], 'hs_lead_status', ['OPEN']],
  ['engagements', 'Comm_Action', ['PhoneOut', 'PhoneIn', 'phonein'], 'hs_engagement_type', ['CALL']],
];

// Real differences: these must remain updates.
const DIFFERENT: Array<[ObjectName, string, string, string, string]> = [
  ['companies', 'Comp_Name', 'MÃ¼ller GmbH', 'name', 'Müller GmbH'],
  ['contacts', 'Pers_FirstName', 'Bill', 'firstname', 'William'],
  ['companies', 'Comp_PhoneFullNumber', '020 7946 0123', 'phone', '+44 20 7946 0124'],
  ['companies', 'Comp_Name', 'Acme Ltd', 'name', 'ACME Limited'],
  ['companies', 'Comp_WebSite', 'www.acme-ltd.co.uk', 'domain', 'acme-ltd-group.co.uk'],
  ['deals', 'Oppo_Stage', 'Closed Won', 'dealstage', 'closedlost'],
];

// Field-level bad values: reported as issues, never mapped.
const BAD: Array<[ObjectName, string, string]> = [
  ['companies', 'Comp_PhoneFullNumber', 'n/a'],
  ['companies', 'Comp_PhoneFullNumber', 'ext. 12'],
  ['companies', 'Comp_Employees', 'approx 50'],
  ['companies', 'Comp_CreatedDate', '31/02/2019'],
  ['companies', 'Comp_Type', 'Distributor'],
  ['companies', 'Comp_WebSite', 'n/a'],
  ['contacts', 'Pers_EmailAddress', 'jsmith@'],
  ['deals', 'Oppo_Certainty', '50%'],
  ['engagements', 'Comm_DateTime', '31/02/2019 10:00'],
  ['engagements', 'Comm_Action', 'Fax'],
];

describe('formatting-only variants canonicalise equal through ObjectMapper', () => {
  for (const [object, column, legacyValues, property, mirrorValues] of SAME) {
    it(`${object}.${column} -> ${property}: ${legacyValues.join(' | ')}`, () => {
      const mapper = mappers[object];
      const canon = new Set<string | null>();
      for (const v of legacyValues) {
        const mapped = legacyCanonical(object, column, v);
        expect(mapped.issues, v).toEqual([]);
        expect(mapped.values[property], v).not.toBeNull();
        canon.add(mapped.values[property] ?? null);
      }
      for (const m of mirrorValues) canon.add(mapper.normaliseTarget(property, m));
      expect([...canon]).toHaveLength(1);
    });
  }
});

describe('real differences stay differences; blanks and bad values are never updates', () => {
  for (const [object, column, legacy, property, mirror] of DIFFERENT) {
    it(`${object}.${column}: "${legacy}" vs "${mirror}"`, () => {
      expect(legacyCanonical(object, column, legacy).values[property]).not.toBe(
        mappers[object].normaliseTarget(property, mirror),
      );
    });
  }
  it('maps a blank legacy value to null (so it never overwrites)', () => {
    expect(mappers.companies.map({ Addr_City: '' }).values.city).toBeNull();
    expect(mappers.companies.map({ Addr_City: '   ' }).values.city).toBeNull();
  });
  for (const [object, column, value] of BAD) {
    it(`${object}.${column} = "${value}" is a field issue`, () => {
      const mapped = mappers[object].map({ [column]: value });
      expect(mapped.issues.map((i) => i.field)).toContain(column);
    });
  }
});

describe('the shipped data actually carries those variants on matched records', () => {
  const truth = readTruth(SHIPPED);
  // Matched records where the raw texts differ but truth says "no update" for that property, per property.
  const formattingOnly = (object: ObjectName): Record<string, number> => {
    const spec = config.objects[object]!;
    const legacy = readLegacy(SHIPPED, object);
    const mirror = new Map(readMirror(SHIPPED, object).rows.map((r) => [r[spec.target.legacyIdColumn]!, r]));
    const records = truth.objects[object]!.records!;
    const out: Record<string, number> = {};
    for (const row of legacy.rows) {
      const id = row.fields[0]!;
      const r = records[id];
      if (r?.status !== 'matched' || row.fields.length !== legacy.header.length) continue;
      const l = rowObject(legacy.header, row.fields);
      const m = mirror.get(id)!;
      for (const p of spec.properties) {
        if (p.from === undefined) continue;
        const lv = l[p.from] ?? '';
        const mv = m[p.to] ?? '';
        if (lv !== '' && mv !== '' && lv !== mv && !r.updates.includes(p.to)) out[p.to] = (out[p.to] ?? 0) + 1;
      }
    }
    return out;
  };

  it.each([
    [
      'companies',
      [
        'phone',
        'legacy_email',
        'domain',
        'website',
        'numberofemployees',
        'annualrevenue',
        'legacy_created_date',
        'name',
        'city',
        'zip',
        'type',
        'industry',
        'hubspot_owner_id',
      ],
    ],
    [
      'contacts',
      ['phone', 'mobilephone', 'email', 'firstname', 'lastname', 'jobtitle', 'hs_lead_status', 'legacy_created_date'],
    ],
    ['deals', ['amount', 'dealstage', 'closedate', 'deal_currency_code', 'hs_priority', 'dealname']],
    [
      'engagements',
      ['hs_timestamp', 'hs_body', 'hs_engagement_type', 'hs_status', 'hs_subject', 'hs_duration_minutes'],
    ],
  ] as Array<[ObjectName, string[]]>)('%s', (object, properties) => {
    const counts = formattingOnly(object);
    for (const p of properties) expect(counts[p] ?? 0, p).toBeGreaterThan(0);
  });

  it('includes double-encoded company names reported as name updates', () => {
    const legacy = readLegacy(SHIPPED, 'companies');
    const records = truth.objects.companies!.records!;
    const mojibake = legacy.rows.filter((r) =>
      /Ã[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013-\u203a]/.test(r.fields[1] ?? ''),
    );
    expect(mojibake.length).toBeGreaterThanOrEqual(3);
    for (const r of mojibake) {
      const t = records[r.fields[0]!];
      if (t?.status === 'matched') expect(t.updates).toContain('name');
    }
  });
});
