/**
 * What the example records look like: per legacy table, the columns in export order, how each value is
 * generated (its canonical form), how the legacy CRM and the HubSpot mirror each write it, how it can
 * drift for real, and which broken values the legacy system may hold.
 */
import { builtInMapping } from '../core/mapping/load-mapping';
import type { MappingConfig } from '../core/mapping/mapping-config';
import {
  ADDRESS2,
  CITIES,
  COMM_NOTE_SENTENCES,
  COMM_QUOTES,
  COMM_SUBJECTS,
  COMPANY_STATUS,
  COMPANY_WORDS,
  COUNTRY_NAMES,
  COUNTRY_WEIGHTS,
  CURRENCY,
  CURRENCY_SYMBOL,
  DEAL_NOTES,
  DEPARTMENTS,
  FIRST_NAMES,
  FORMAL_NAME,
  GB_SUFFIX,
  JOB_TITLES,
  MOBILE,
  NICKNAMES,
  PRODUCTS,
  SALUTATIONS,
  SOURCES,
  STREETS,
  SURNAMES,
  TERRITORIES,
  type City,
  type Country,
} from './data';
import { asciiFold, dayOf, dmyTime, fillDigits, isoDate, isoInstant, stripLegalSuffix } from './formats';
import { Random } from './random';

export type ExampleObject = 'companies' | 'contacts' | 'deals' | 'engagements';
export const EXAMPLE_OBJECTS: readonly ExampleObject[] = ['companies', 'contacts', 'deals', 'engagements'];

/** Column -> canonical value ('' = blank). Keys starting with `_` are hidden helpers, not columns. */
export type Entity = Record<string, string>;

export type Kind =
  'text' | 'upper' | 'email' | 'phone' | 'int' | 'money' | 'date' | 'datetime' | 'map' | 'web' | 'ref' | 'note' | 'raw';

export interface FieldDef {
  col: string;
  kind: Kind;
  /** Target properties fed by this column (from the mapping; empty for columns we do not map). */
  to: string[];
  /** For `map` fields: canonical code -> legacy labels that map to it (from the mapping). */
  labels?: Map<string, string[]>;
  /** A genuinely different canonical value, or null when this value has none. */
  drift?: (value: string, r: Random, e: Entity) => string | null;
  /** Values the legacy system may hold that no transform accepts. */
  bad?: readonly string[];
  /** Reference columns: never blanked or drifted by the anomaly injector. */
  fixed?: boolean;
}

export interface ObjectDef {
  object: ExampleObject;
  file: string;
  delimiter: string;
  eol: string;
  encoding: 'utf8' | 'utf8-bom' | 'win1252';
  /** First legacy ID of the table. */
  idBase: number;
  /** Base of the HubSpot object IDs of the mirror table. */
  hsBase: number;
  idColumn: string;
  table: string;
  legacyIdColumn: string;
  modifiedColumn: string;
  fields: FieldDef[];
  /** Column whose value gets an unquoted delimiter in a `too_many_fields` row. */
  corruptColumn: string;
}

/** The company (and its children ranges) a child record hangs off. */
export interface Parent {
  index: number;
  company: Entity;
  companyId: string;
  personStart: number;
  persons: number;
  dealStart: number;
  deals: number;
  personId(index: number): string;
  dealId(index: number): string;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** HubSpot owner IDs; the legacy side writes the user IDs 1-8 they map from (the `owners` value map). */
const OWNER_CODES = ['51000101', '51000102', '51000103', '51000104', '51000105', '51000106', '51000107', '51000108'];

function pickCity(r: Random, country: Country): City {
  return r.weighted(CITIES.filter((c) => c.country === country).map((c) => [c, c.weight] as const));
}

function postcode(r: Random, city: City): string {
  if (city.outward) {
    const letters = 'ABDEFGHJLNPQRSTUWXYZ';
    return `${r.pick(city.outward)} ${r.int(1, 9)}${letters[r.int(0, letters.length - 1)]}${letters[r.int(0, letters.length - 1)]}`;
  }
  const [lo, hi] = city.zip ?? [10000, 99999];
  return String(r.int(lo, hi)).padStart(5, '0');
}

function street(r: Random, country: Country): string {
  const s = r.pick(STREETS[country]);
  const n = r.int(1, 240);
  if (country === 'DE') return `${s} ${n}`;
  if (country === 'FR') return `${n} ${s}`;
  if (country === 'GB' && r.chance(0.15)) return `Unit ${r.int(1, 40)} ${r.pick(COMPANY_WORDS.GB_PLACE)} Business Park`;
  return `${n} ${s}`;
}

function otherThan<T>(r: Random, items: readonly T[], current: T): T | null {
  const rest = items.filter((x) => x !== current);
  return rest.length ? r.pick(rest) : null;
}

/** Changes the last two digits of a phone number. */
function phoneDrift(value: string, r: Random): string {
  const last = value.slice(-2);
  let next = last;
  while (next === last) next = r.digits(2);
  return value.slice(0, -2) + next;
}

function dayIn(r: Random, from: string, to: string): number {
  return r.int(dayOf(from), dayOf(to));
}

const TODAY = dayOf('2024-12-31');

function mapDrift(f: () => FieldDef) {
  return (value: string, r: Random) => otherThan(r, [...(f().labels?.keys() ?? [])], value);
}

// ---------------------------------------------------------------------------------------------
// entities

export function companyEntity(seed: number, index: number, stream = 'company'): Entity {
  const r = Random.for(seed, stream, index);
  const country = r.weighted(COUNTRY_WEIGHTS);
  const city = pickCity(r, country);
  let name: string;
  if (country === 'GB') {
    const W = COMPANY_WORDS;
    const core = r.weighted<() => string>([
      [() => `${r.pick(W.GB_SURNAME)} & ${r.pick(W.GB_SURNAME)}`, 3],
      [() => `${r.pick(W.GB_SURNAME)} ${r.pick(W.INDUSTRY)}`, 4],
      [() => `${r.pick(W.GB_PLACE)} ${r.pick(W.INDUSTRY)}`, 6],
      [() => `${r.pick(W.GB_SURNAME)} and Sons`, 1],
    ])();
    const suffix = r.weighted(GB_SUFFIX);
    name = suffix ? `${core} ${suffix}` : core;
  } else if (country === 'DE') {
    const s = r.pick(SURNAMES.DE);
    name = r.weighted<() => string>([
      [() => `${s} GmbH`, 3],
      [() => `${s} ${r.pick(COMPANY_WORDS.DE_WORD)} GmbH`, 4],
      [() => `${s} & ${r.pick(SURNAMES.DE)} AG`, 1],
    ])();
  } else if (country === 'FR') {
    name = `${r.pick(COMPANY_WORDS.FR_WORD)} ${r.pick(SURNAMES.FR)} ${r.pick(['SARL', 'SARL', 'SAS', 'SA'])}`;
  } else {
    name = `${r.pick(COMPANY_WORDS.US_WORD)} ${r.pick(COMPANY_WORDS.INDUSTRY)} ${r.pick(['Inc', 'Inc', 'LLC', 'Corp'])}`;
  }
  const core = stripLegalSuffix(name);
  const words = asciiFold(core.replace(/&/g, ' ')).split(' ').filter(Boolean);
  const base = words.join(r.chance(0.5) ? '' : '-');
  const tld =
    country === 'GB'
      ? r.weighted([
          ['co.uk', 75],
          ['com', 20],
          ['uk', 5],
        ] as const)
      : country === 'US'
        ? 'com'
        : country.toLowerCase();
  const hasWeb = r.chance(0.9);
  const host = hasWeb ? `${r.chance(0.7) ? 'www.' : ''}${base}.${tld}` : '';
  const domain = hasWeb ? `${base}.${tld}` : '';
  const employees = r.chance(0.8)
    ? String(r.chance(0.05) ? r.int(5000, 60000) : Math.max(1, Math.round(Math.exp(r.next() * Math.log(3000)))))
    : '';
  const revenue = r.chance(0.55) ? String((employees ? Number(employees) : r.int(5, 200)) * r.int(40, 250) * 1000) : '';
  const created = dayIn(r, '2004-01-01', '2023-06-30');
  const owner = r.pick(OWNER_CODES);
  const state = city.state && (country === 'US' || r.chance(country === 'GB' ? 0.4 : 0.5)) ? city.state : '';
  return {
    Comp_Name: name,
    Comp_Type: r.weighted([
      ['CUSTOMER', 40],
      ['PROSPECT', 30],
      ['PARTNER', 8],
      ['VENDOR', 8],
      ['RESELLER', 6],
      ['OTHER', 8],
    ] as const),
    Comp_Status: r.weighted(COMPANY_STATUS),
    Comp_Source: r.chance(0.6) ? r.pick(SOURCES) : '',
    Comp_Territory: r.pick(TERRITORIES[country]),
    Comp_SecTerr: r.chance(0.25) ? String(-2147483640 + r.int(0, 7)) : '',
    Comp_PrimaryUserId: owner,
    Comp_Sector: r.chance(0.85)
      ? r.pick([
          'COMPUTER_SOFTWARE',
          'FINANCIAL_SERVICES',
          'MACHINERY',
          'RETAIL',
          'HOSPITAL_HEALTH_CARE',
          'EDUCATION_MANAGEMENT',
          'GOVERNMENT_ADMINISTRATION',
          'TELECOMMUNICATIONS',
          'CONSTRUCTION',
          'LAW_PRACTICE',
        ])
      : '',
    Comp_Employees: employees,
    Comp_Revenue: revenue,
    Comp_WebSite: host,
    Comp_EmailAddress:
      domain && r.chance(0.6)
        ? `${r.pick(country === 'FR' ? ['contact', 'info'] : country === 'DE' ? ['info', 'kontakt'] : ['info', 'sales', 'enquiries', 'hello', 'office'])}@${domain}`
        : '',
    Comp_PhoneFullNumber: r.chance(0.92) ? fillDigits(city.phone, r) : '',
    Addr_Address1: r.chance(0.9) ? street(r, country) : '',
    Addr_Address2: r.chance(0.15) ? r.pick(ADDRESS2[country]) : '',
    Addr_City: city.name,
    Addr_State: state,
    Addr_PostCode: postcode(r, city),
    Addr_Country: COUNTRY_NAMES[country],
    Comp_CreatedDate: isoDate(created),
    Comp_UpdatedDate: dmyTime(isoInstant(Math.min(TODAY, created + r.int(0, 2500)), r.int(8 * 60, 18 * 60))),
    Comp_Deleted: '',
    _country: country,
    _domain: domain,
    _phone: city.phone,
    _short: core
      .split(' ')
      .slice(0, 2)
      .join(' ')
      .replace(/ (&|and)$/, ''),
    _created: String(created),
    _owner: owner,
  };
}

export function personEntity(seed: number, index: number, parent: Parent, stream = 'person'): Entity {
  const r = Random.for(seed, stream, index);
  const c = parent.company;
  const country = (c._country ?? 'GB') as Country;
  const male = r.chance(0.5);
  const formal = r.pick(male ? FIRST_NAMES[country].male : FIRST_NAMES[country].female);
  const nick = NICKNAMES[formal];
  const first = nick && r.chance(0.2) ? r.pick(nick) : formal;
  const last = r.pick(SURNAMES[country]);
  const local = r.chance(0.75)
    ? `${asciiFold(first).replace(/ /g, '')}.${asciiFold(last).replace(/ /g, '')}`
    : `${asciiFold(first)[0] ?? 'x'}${asciiFold(last).replace(/ /g, '')}`;
  const domain =
    c._domain ||
    r.pick(country === 'GB' ? ['btinternet.com', 'outlook.com', 'gmail.com'] : ['gmail.com', 'outlook.com']);
  const withAddress = r.chance(0.35);
  const created = Math.min(TODAY, Number(c._created ?? dayOf('2010-01-01')) + r.int(0, 2500));
  return {
    Pers_CompanyId: parent.companyId,
    Pers_Salutation: r.chance(0.8) ? r.pick(male ? SALUTATIONS[country].male : SALUTATIONS[country].female) : '',
    Pers_FirstName: first,
    Pers_LastName: last,
    Pers_Title: r.chance(0.8) ? r.pick(JOB_TITLES[country]) : '',
    Pers_Department: r.chance(0.45) ? r.pick(DEPARTMENTS) : '',
    Pers_Status: r.weighted([
      ['OPEN', 40],
      ['NEW', 15],
      ['CONNECTED', 15],
      ['OPEN_DEAL', 10],
      ['UNQUALIFIED', 8],
      ['BAD_TIMING', 12],
    ] as const),
    Pers_Source: r.chance(0.4) ? r.pick(SOURCES) : '',
    Pers_PrimaryUserId: r.chance(0.7) ? (c._owner ?? '51000101') : r.pick(OWNER_CODES),
    Pers_EmailAddress: r.chance(0.85) ? `${local}@${domain}` : '',
    Pers_PhoneFullNumber: r.chance(0.65) ? fillDigits(c._phone ?? '+44 20 7946 0###', r) : '',
    Pers_MobileFullNumber: r.chance(0.4) ? fillDigits(MOBILE[country], r) : '',
    Addr_Address1: withAddress ? (c.Addr_Address1 ?? '') : '',
    Addr_City: withAddress ? (c.Addr_City ?? '') : '',
    Addr_PostCode: withAddress ? (c.Addr_PostCode ?? '') : '',
    Addr_Country: withAddress ? (c.Addr_Country ?? '') : '',
    Pers_CreatedDate: isoDate(created),
    Pers_Gender: r.chance(0.6) ? (male ? 'Male' : 'Female') : '',
    Pers_Deleted: '',
    _country: country,
    _male: male ? '1' : '',
    _domain: domain,
  };
}

const STAGE_CERTAINTY: Record<string, number> = {
  appointmentscheduled: 10,
  qualifiedtobuy: 25,
  presentationscheduled: 50,
  decisionmakerboughtin: 75,
  contractsent: 90,
  closedwon: 100,
  closedlost: 0,
};

function amount(r: Random): string {
  if (r.chance(0.6)) return String(r.int(1, 300) * 500);
  const whole = r.int(300, 150000);
  return r.chance(0.3) ? `${whole}.${String(r.int(1, 99)).padStart(2, '0')}` : String(whole);
}

export function dealEntity(seed: number, index: number, parent: Parent, stream = 'deal'): Entity {
  const r = Random.for(seed, stream, index);
  const c = parent.company;
  const country = (c._country ?? 'GB') as Country;
  const stage = r.weighted([
    ['appointmentscheduled', 15],
    ['qualifiedtobuy', 15],
    ['presentationscheduled', 12],
    ['decisionmakerboughtin', 8],
    ['contractsent', 5],
    ['closedwon', 25],
    ['closedlost', 20],
  ] as const);
  const opened = Math.min(TODAY - 200, Math.max(dayOf('2015-01-01'), Number(c._created ?? 0)) + r.int(0, 2000));
  const target = opened + r.int(30, 180);
  const closed = stage === 'closedwon' || stage === 'closedlost' ? Math.min(TODAY, target + r.int(-25, 25)) : null;
  const person =
    parent.persons > 0 && r.chance(0.85) ? parent.personId(parent.personStart + r.int(0, parent.persons - 1)) : '';
  return {
    Oppo_PrimaryCompanyId: parent.companyId,
    Oppo_PrimaryPersonId: person,
    Oppo_AssignedUserId: r.chance(0.8) ? (c._owner ?? '51000101') : r.pick(OWNER_CODES),
    Oppo_Description: `${c._short ?? 'Deal'} - ${r.pick(PRODUCTS)}`,
    Oppo_Type: r.chance(0.8)
      ? r.weighted([
          ['newbusiness', 60],
          ['existingbusiness', 40],
        ] as const)
      : '',
    Oppo_Stage: stage,
    Oppo_Status: stage === 'closedwon' ? 'Won' : stage === 'closedlost' ? 'Lost' : 'In Progress',
    Oppo_Priority: r.chance(0.7)
      ? r.weighted([
          ['high', 20],
          ['medium', 60],
          ['low', 20],
        ] as const)
      : '',
    Oppo_Source: r.chance(0.4) ? r.pick(SOURCES) : '',
    Oppo_Forecast: r.chance(0.9) ? amount(r) : '',
    Oppo_Currency: r.chance(0.95) ? CURRENCY[country] : '',
    Oppo_Certainty: r.chance(0.85) ? String(STAGE_CERTAINTY[stage] ?? 50) : '',
    Oppo_Opened: isoDate(opened),
    Oppo_TargetClose: r.chance(0.9) ? isoDate(target) : '',
    Oppo_Closed: closed === null ? '' : isoDate(closed),
    Oppo_Note: r.chance(0.2) ? r.pick(DEAL_NOTES) : '',
    Oppo_ChannelId: r.chance(0.5) ? String(r.int(1, 5)) : '',
    Oppo_Deleted: '',
    _short: c._short ?? 'Deal',
    _symbol: CURRENCY_SYMBOL[CURRENCY[country]] ?? '£',
  };
}

function commNote(r: Random): string {
  const sentences: string[] = r.sample(COMM_NOTE_SENTENCES, r.int(1, 3));
  if (r.chance(0.3)) sentences.splice(r.int(0, sentences.length), 0, `Said ${r.pick(COMM_QUOTES)}`);
  return sentences.join(r.chance(0.45) ? '\n' : '. ');
}

export function engagementEntity(seed: number, index: number, parent: Parent, stream = 'engagement'): Entity {
  const r = Random.for(seed, stream, index);
  const type = r.weighted([
    ['CALL', 35],
    ['EMAIL', 35],
    ['MEETING', 10],
    ['TASK', 10],
    ['NOTE', 10],
  ] as const);
  const created = Math.max(dayOf('2016-01-01'), Number(parent.company._created ?? 0));
  const day = Math.min(TODAY, created + r.int(0, 3000));
  const duration = type === 'CALL' ? String(r.int(1, 45)) : type === 'MEETING' ? String(r.int(2, 8) * 15) : '';
  return {
    Comm_OpportunityId:
      parent.deals > 0 && r.chance(0.4) ? parent.dealId(parent.dealStart + r.int(0, parent.deals - 1)) : '',
    CmLi_Comm_CompanyId: parent.companyId,
    CmLi_Comm_PersonId:
      parent.persons > 0 && r.chance(0.85) ? parent.personId(parent.personStart + r.int(0, parent.persons - 1)) : '',
    Comm_Type: type === 'MEETING' ? 'Appointment' : 'Task',
    Comm_Action: type,
    Comm_Status: r.weighted([
      ['COMPLETED', 70],
      ['NOT_STARTED', 15],
      ['IN_PROGRESS', 5],
      ['DEFERRED', 10],
    ] as const),
    Comm_Priority: r.chance(0.8)
      ? r.weighted([
          ['MEDIUM', 70],
          ['HIGH', 15],
          ['LOW', 15],
        ] as const)
      : '',
    Comm_DateTime: isoInstant(day, r.int(8 * 12, 18 * 12) * 5),
    Comm_Duration: duration && r.chance(0.85) ? duration : '',
    Comm_Subject: r.pick(COMM_SUBJECTS[type] ?? ['Note']),
    Comm_Note: r.chance(0.35) ? commNote(r) : '',
    Comm_UserId: r.chance(0.8) ? (parent.company._owner ?? '51000101') : r.pick(OWNER_CODES),
    Comm_Deleted: '',
    _type: type,
  };
}

// ---------------------------------------------------------------------------------------------
// field definitions

type FieldSpec = Omit<FieldDef, 'to' | 'labels'>;

const BAD_PHONE = ['n/a', 'ext. 12', 'TBC'];
const BAD_DATE = ['31/02/2019', '30/02/2020', '31/04/2021'];
const BAD_OWNER = ['99'];

function intDrift(value: string, r: Random): string {
  const n = Number(value);
  return String(n + r.int(1, Math.max(5, Math.round(n / 2))));
}

function moneyDrift(value: string, r: Random): string {
  return String(Math.round(Number(value)) + r.int(1, 50) * 100);
}

function dateDrift(value: string, r: Random): string {
  return isoDate(dayOf(value) + (r.chance(0.5) ? 1 : -1) * r.int(1, 120));
}

function cityDrift(value: string, r: Random, e: Entity): string | null {
  const country = (e._country ?? 'GB') as Country;
  return otherThan(
    r,
    CITIES.filter((c) => c.country === country).map((c) => c.name),
    value,
  );
}

function ownerDrift(value: string, r: Random): string | null {
  return otherThan(r, OWNER_CODES, value);
}

const COMPANY_FIELDS: FieldSpec[] = [
  {
    col: 'Comp_Name',
    kind: 'text',
    drift: (v, r) => {
      const core = stripLegalSuffix(v);
      const add = r.pick([' Group', ' UK', ' Holdings', ' International']);
      return core.endsWith(add) ? null : core + add + v.slice(core.length);
    },
  },
  { col: 'Comp_Type', kind: 'map', drift: mapDrift(() => companyField('Comp_Type')), bad: ['Distributor', 'Lead'] },
  {
    col: 'Comp_Status',
    kind: 'text',
    drift: (v, r) =>
      otherThan(
        r,
        COMPANY_STATUS.map(([s]) => s),
        v,
      ),
  },
  { col: 'Comp_Source', kind: 'text', drift: (v, r) => otherThan(r, SOURCES, v) },
  { col: 'Comp_Territory', kind: 'text' },
  { col: 'Comp_SecTerr', kind: 'raw' },
  { col: 'Comp_PrimaryUserId', kind: 'map', drift: ownerDrift, bad: BAD_OWNER },
  { col: 'Comp_Sector', kind: 'map', drift: mapDrift(() => companyField('Comp_Sector')), bad: ['Agriculture'] },
  { col: 'Comp_Employees', kind: 'int', drift: intDrift, bad: ['approx 50', '50+', 'c. 200'] },
  { col: 'Comp_Revenue', kind: 'money', drift: moneyDrift, bad: ['TBC'] },
  {
    col: 'Comp_WebSite',
    kind: 'web',
    drift: (v, r) => v.replace(/^((?:www\.)?[^.]+)/, `$1${r.pick(['-group', '-uk', 'online', 'hq'])}`),
    bad: ['n/a'],
  },
  {
    col: 'Comp_EmailAddress',
    kind: 'email',
    drift: (v, r) => {
      const at = v.indexOf('@');
      const local = otherThan(r, ['accounts', 'admin', 'office', 'info', 'sales'], v.slice(0, at));
      return local && local + v.slice(at);
    },
    bad: ['info@', 'n/a'],
  },
  { col: 'Comp_PhoneFullNumber', kind: 'phone', drift: phoneDrift, bad: BAD_PHONE },
  {
    col: 'Addr_Address1',
    kind: 'text',
    drift: (v, r, e) => {
      const next = street(r, (e._country ?? 'GB') as Country);
      return next === v ? null : next;
    },
  },
  { col: 'Addr_Address2', kind: 'text' },
  { col: 'Addr_City', kind: 'text', drift: cityDrift },
  { col: 'Addr_State', kind: 'text' },
  {
    col: 'Addr_PostCode',
    kind: 'upper',
    drift: (v, r, e) => {
      const city = CITIES.find((c) => c.name === e.Addr_City) ?? CITIES[0]!;
      const next = postcode(r, city);
      return next === v ? null : next;
    },
  },
  { col: 'Addr_Country', kind: 'text' },
  { col: 'Comp_CreatedDate', kind: 'date', bad: BAD_DATE },
  { col: 'Comp_UpdatedDate', kind: 'raw' },
  { col: 'Comp_Deleted', kind: 'raw' },
];

const PERSON_FIELDS: FieldSpec[] = [
  { col: 'Pers_CompanyId', kind: 'ref', fixed: true },
  { col: 'Pers_Salutation', kind: 'text' },
  {
    col: 'Pers_FirstName',
    kind: 'text',
    drift: (v, r) => FORMAL_NAME[v] ?? (NICKNAMES[v] ? r.pick(NICKNAMES[v]) : null),
  },
  {
    col: 'Pers_LastName',
    kind: 'text',
    drift: (v, r, e) => otherThan(r, SURNAMES[(e._country ?? 'GB') as Country], v),
  },
  { col: 'Pers_Title', kind: 'text', drift: (v, r, e) => otherThan(r, JOB_TITLES[(e._country ?? 'GB') as Country], v) },
  { col: 'Pers_Department', kind: 'text', drift: (v, r) => otherThan(r, DEPARTMENTS, v) },
  { col: 'Pers_Status', kind: 'map', drift: mapDrift(() => personField('Pers_Status')), bad: ['Hot', 'Customer'] },
  { col: 'Pers_Source', kind: 'text' },
  { col: 'Pers_PrimaryUserId', kind: 'map', drift: ownerDrift, bad: BAD_OWNER },
  {
    col: 'Pers_EmailAddress',
    kind: 'email',
    drift: (v) => {
      const at = v.indexOf('@');
      const local = v.slice(0, at);
      const next = local.includes('.') ? local.replace(/^([a-z])[a-z]*\./, '$1') : local.replace(/^([a-z])/, '$1.');
      return next === local ? null : next + v.slice(at);
    },
    bad: ['n/a', 'no email', 'jsmith@'],
  },
  { col: 'Pers_PhoneFullNumber', kind: 'phone', drift: phoneDrift, bad: BAD_PHONE },
  { col: 'Pers_MobileFullNumber', kind: 'phone', drift: phoneDrift, bad: ['n/a', 'ask reception'] },
  { col: 'Addr_Address1', kind: 'text' },
  { col: 'Addr_City', kind: 'text', drift: cityDrift },
  { col: 'Addr_PostCode', kind: 'upper' },
  { col: 'Addr_Country', kind: 'text' },
  { col: 'Pers_CreatedDate', kind: 'date', bad: BAD_DATE },
  { col: 'Pers_Gender', kind: 'raw' },
  { col: 'Pers_Deleted', kind: 'raw' },
];

const DEAL_FIELDS: FieldSpec[] = [
  { col: 'Oppo_PrimaryCompanyId', kind: 'ref', fixed: true },
  { col: 'Oppo_PrimaryPersonId', kind: 'ref', fixed: true },
  { col: 'Oppo_AssignedUserId', kind: 'map', drift: ownerDrift, bad: BAD_OWNER },
  {
    col: 'Oppo_Description',
    kind: 'text',
    drift: (v, r, e) =>
      otherThan(
        r,
        PRODUCTS.map((p) => `${e._short ?? 'Deal'} - ${p}`),
        v,
      ),
  },
  { col: 'Oppo_Type', kind: 'map', drift: mapDrift(() => dealField('Oppo_Type')), bad: ['Partnership'] },
  { col: 'Oppo_Stage', kind: 'map', drift: mapDrift(() => dealField('Oppo_Stage')), bad: ['On Hold', 'Dormant'] },
  { col: 'Oppo_Status', kind: 'text', drift: (v, r) => otherThan(r, ['In Progress', 'Won', 'Lost', 'Abandoned'], v) },
  { col: 'Oppo_Priority', kind: 'map', drift: mapDrift(() => dealField('Oppo_Priority')), bad: ['Urgent'] },
  { col: 'Oppo_Source', kind: 'text' },
  { col: 'Oppo_Forecast', kind: 'money', drift: moneyDrift, bad: ['TBC', 'approx 5k'] },
  { col: 'Oppo_Currency', kind: 'upper', drift: (v, r) => otherThan(r, ['GBP', 'EUR', 'USD'], v) },
  {
    col: 'Oppo_Certainty',
    kind: 'int',
    drift: (v, r) => otherThan(r, ['10', '25', '50', '75', '90'], v),
    bad: ['high', '50%'],
  },
  { col: 'Oppo_Opened', kind: 'date', bad: BAD_DATE },
  { col: 'Oppo_TargetClose', kind: 'date', drift: dateDrift, bad: ['31/02/2019', '31/06/2022'] },
  { col: 'Oppo_Closed', kind: 'date' },
  { col: 'Oppo_Note', kind: 'text', drift: (v, r) => otherThan(r, DEAL_NOTES, v) },
  { col: 'Oppo_ChannelId', kind: 'raw' },
  { col: 'Oppo_Deleted', kind: 'raw' },
];

const ENGAGEMENT_FIELDS: FieldSpec[] = [
  { col: 'Comm_OpportunityId', kind: 'ref', fixed: true },
  { col: 'CmLi_Comm_CompanyId', kind: 'ref', fixed: true },
  { col: 'CmLi_Comm_PersonId', kind: 'ref', fixed: true },
  { col: 'Comm_Type', kind: 'raw' },
  { col: 'Comm_Action', kind: 'map', bad: ['Fax', 'Visit'] },
  { col: 'Comm_Status', kind: 'map', drift: mapDrift(() => engagementField('Comm_Status')), bad: ['Waiting'] },
  { col: 'Comm_Priority', kind: 'map', drift: mapDrift(() => engagementField('Comm_Priority')), bad: ['Urgent'] },
  {
    col: 'Comm_DateTime',
    kind: 'datetime',
    drift: (v, r) => new Date(Date.parse(v) + r.int(1, 72) * 3_600_000).toISOString().replace('.000Z', 'Z'),
    bad: ['31/02/2019 10:00', '30/02/2021 09:30'],
  },
  { col: 'Comm_Duration', kind: 'int', drift: intDrift, bad: ['approx 30', '1h'] },
  { col: 'Comm_Subject', kind: 'text', drift: (v, r, e) => otherThan(r, COMM_SUBJECTS[e._type ?? 'NOTE'] ?? [], v) },
  { col: 'Comm_Note', kind: 'note', drift: (v, r) => `${v}\n${r.pick(['Chased again', 'No answer', 'Resolved'])}` },
  { col: 'Comm_UserId', kind: 'map', drift: ownerDrift, bad: BAD_OWNER },
  { col: 'Comm_Deleted', kind: 'raw' },
];

// ---------------------------------------------------------------------------------------------
// binding to the mapping

const OBJECT_META: Record<
  ExampleObject,
  Pick<ObjectDef, 'delimiter' | 'eol' | 'encoding' | 'idBase' | 'hsBase' | 'corruptColumn'> & { fields: FieldSpec[] }
> = {
  companies: {
    delimiter: ',',
    eol: '\r\n',
    encoding: 'utf8-bom',
    idBase: 1000,
    hsBase: 18_000_000_000,
    corruptColumn: 'Addr_Address1',
    fields: COMPANY_FIELDS,
  },
  contacts: {
    delimiter: ';',
    eol: '\r\n',
    encoding: 'win1252',
    idBase: 10_000,
    hsBase: 51_000_000,
    corruptColumn: 'Pers_Title',
    fields: PERSON_FIELDS,
  },
  deals: {
    delimiter: '\t',
    eol: '\n',
    encoding: 'utf8',
    idBase: 20_000,
    hsBase: 9_000_000_000,
    corruptColumn: 'Oppo_Description',
    fields: DEAL_FIELDS,
  },
  engagements: {
    delimiter: ',',
    eol: '\r\n',
    encoding: 'utf8',
    idBase: 30_000,
    hsBase: 40_000_000_000,
    corruptColumn: 'Comm_Subject',
    fields: ENGAGEMENT_FIELDS,
  },
};

function bind(config: MappingConfig, object: ExampleObject): ObjectDef {
  const spec = config.objects[object];
  if (!spec) throw new Error(`The built-in mapping has no object "${object}"`);
  const meta = OBJECT_META[object];
  const known = new Set(meta.fields.map((f) => f.col));
  for (const p of spec.properties) {
    if (p.from !== undefined && !known.has(p.from))
      throw new Error(`Example generator: mapping column ${p.from} (${object}) has no generator`);
  }
  const fields = meta.fields.map((f): FieldDef => {
    const props = spec.properties.filter((p) => p.from === f.col);
    const def: FieldDef = { ...f, to: props.map((p) => p.to) };
    if (f.kind === 'map') {
      const labels = new Map<string, string[]>();
      for (const p of props) {
        for (const t of p.transform) {
          if (typeof t === 'string' || t.type !== 'map') continue;
          const table = t.values ?? config.valueMaps[t.ref ?? ''] ?? {};
          for (const [label, code] of Object.entries(table)) {
            if (code === null) continue;
            labels.set(code, [...(labels.get(code) ?? []), label]);
          }
        }
      }
      def.labels = labels;
    }
    return def;
  });
  return {
    object,
    file: `${spec.legacy.file}.csv`,
    idColumn: spec.legacy.idColumn,
    table: spec.target.table,
    legacyIdColumn: spec.target.legacyIdColumn,
    modifiedColumn: spec.target.modifiedColumn ?? 'hs_lastmodifieddate',
    ...meta,
    fields,
  };
}

let cached: Record<ExampleObject, ObjectDef> | undefined;

export function objectDefs(): Record<ExampleObject, ObjectDef> {
  if (!cached) {
    const config = builtInMapping().config;
    cached = {
      companies: bind(config, 'companies'),
      contacts: bind(config, 'contacts'),
      deals: bind(config, 'deals'),
      engagements: bind(config, 'engagements'),
    };
  }
  return cached;
}

function field(object: ExampleObject, col: string): FieldDef {
  const f = objectDefs()[object].fields.find((x) => x.col === col);
  if (!f) throw new Error(`no field ${col} in ${object}`);
  return f;
}
const companyField = (col: string) => field('companies', col);
const personField = (col: string) => field('contacts', col);
const dealField = (col: string) => field('deals', col);
const engagementField = (col: string) => field('engagements', col);

export const ENTITY_MAKERS: Record<
  ExampleObject,
  (seed: number, index: number, parent: Parent, stream?: string) => Entity
> = {
  companies: (seed, index, _parent, stream) => companyEntity(seed, index, stream),
  contacts: personEntity,
  deals: dealEntity,
  engagements: engagementEntity,
};
