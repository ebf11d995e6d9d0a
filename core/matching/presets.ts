import { FIELD_KINDS, type FieldConfig, type FieldKind, type PresetName } from './config';

/** Column names are compared with case, spaces and punctuation removed: "First Name" = first_name = firstName. */
export function headerKey(column: string): string {
  return column.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The key of a legacy column without its table prefix: Sage-style exports name columns `Pers_FirstName`,
 * `Comp_Name`, `Addr_Address1`. Only a short capitalised word before an underscore and a capital counts as a prefix,
 * so that first_name stays first_name (and never becomes "name").
 */
export function unprefixedKey(column: string): string | undefined {
  const m = /^[A-Z][a-z]{1,4}_(?=[A-Z])(.+)$/.exec(column.trim());
  return m ? headerKey(m[1]!) : undefined;
}

/** Columns by key: every column's own key first, then, where no column has it, its key without a legacy prefix. */
function columnsByKey(columns: readonly string[], exclude: ReadonlySet<string> = new Set()): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const c of columns) if (!exclude.has(c) && !byKey.has(headerKey(c))) byKey.set(headerKey(c), c);
  for (const c of columns) {
    const key = exclude.has(c) ? undefined : unprefixedKey(c);
    if (key !== undefined && !byKey.has(key)) byKey.set(key, c);
  }
  return byKey;
}

interface FieldRule {
  name: string;
  kind: FieldKind;
  /** Header keys, best first; every present one is used, joined in this order. */
  headers: readonly string[];
  /** Use only the first header found instead of joining all present ones. */
  single?: boolean;
  /** Only when none of these fields was found (a full name column when there are no first/last names). */
  unless?: readonly string[];
}

const PHONE = [
  'phone',
  'telephone',
  'tel',
  'phonenumber',
  'telephonenumber',
  'phonefullnumber',
  'mobile',
  'mobilephone',
  'mobilenumber',
  'mobilefullnumber',
  'cell',
  'cellphone',
  'workphone',
  'mainphone',
  'businessphone',
];
const EMAIL = ['email', 'emailaddress', 'mail', 'emailid', 'workemail', 'primaryemail', 'businessemail'];
const STREET = [
  'streetnumber',
  'housenumber',
  'address',
  'street',
  'streetaddress',
  'address1',
  'addressline1',
  'addr',
  'addr1',
  'mailingstreet',
  'billingstreet',
];
const POSTCODE = [
  'postcode',
  'postalcode',
  'zip',
  'zipcode',
  'postal',
  'plz',
  'mailingpostalcode',
  'billingpostalcode',
];
const CITY = ['city', 'town', 'suburb', 'locality', 'mailingcity', 'billingcity'];
const REGION = ['state', 'county', 'region', 'province', 'stateprovince', 'mailingstate', 'billingstate'];
const WEBSITE = ['website', 'domain', 'url', 'web', 'homepage', 'websiteurl', 'companydomain'];

const CONTACT_RULES: readonly FieldRule[] = [
  {
    name: 'given_name',
    kind: 'givenName',
    headers: ['firstname', 'givenname', 'forename', 'first', 'fname', 'christianname'],
    single: true,
  },
  {
    name: 'surname',
    kind: 'familyName',
    headers: ['lastname', 'surname', 'familyname', 'last', 'lname'],
    single: true,
  },
  {
    name: 'name',
    kind: 'fullName',
    headers: ['fullname', 'name', 'contactname', 'personname', 'displayname'],
    single: true,
    unless: ['given_name', 'surname'],
  },
  { name: 'email', kind: 'email', headers: EMAIL, single: true },
  { name: 'phone', kind: 'phone', headers: PHONE, single: true },
  {
    name: 'date_of_birth',
    kind: 'date',
    headers: ['dob', 'dateofbirth', 'birthdate', 'birthday', 'bdate', 'birthdt'],
    single: true,
  },
  {
    name: 'national_id',
    kind: 'identifier',
    headers: ['ssn', 'socsecid', 'socialsecuritynumber', 'nationalid', 'nin', 'nino', 'taxid', 'passportnumber'],
    single: true,
  },
  {
    name: 'company',
    kind: 'companyName',
    headers: ['company', 'companyname', 'accountname', 'account', 'organisation', 'organization', 'employer', 'org'],
    single: true,
  },
  { name: 'address', kind: 'address', headers: STREET },
  { name: 'address_line_2', kind: 'text', headers: ['address2', 'addressline2', 'addr2'], single: true },
  { name: 'postcode', kind: 'postcode', headers: POSTCODE, single: true },
  { name: 'city', kind: 'city', headers: CITY, single: true },
  { name: 'state', kind: 'region', headers: REGION, single: true },
  { name: 'website', kind: 'domain', headers: WEBSITE, single: true },
];

const COMPANY_RULES: readonly FieldRule[] = [
  {
    name: 'name',
    kind: 'companyName',
    headers: [
      'companyname',
      'company',
      'name',
      'accountname',
      'account',
      'organisation',
      'organization',
      'organisationname',
      'organizationname',
      'sitename',
      'businessname',
      'orgname',
      'legalname',
    ],
    single: true,
  },
  { name: 'website', kind: 'domain', headers: WEBSITE, single: true },
  { name: 'email', kind: 'email', headers: EMAIL, single: true },
  { name: 'phone', kind: 'phone', headers: PHONE, single: true },
  { name: 'address', kind: 'address', headers: STREET },
  { name: 'postcode', kind: 'postcode', headers: POSTCODE, single: true },
  { name: 'city', kind: 'city', headers: CITY, single: true },
  { name: 'state', kind: 'region', headers: REGION, single: true },
  {
    name: 'registration_id',
    kind: 'identifier',
    headers: [
      'vat',
      'vatnumber',
      'vatid',
      'ein',
      'companynumber',
      'registrationnumber',
      'duns',
      'dunsnumber',
      'siren',
      'siret',
      'crn',
    ],
    single: true,
  },
];

export const ID_HEADERS = ['id', 'uniqueid', 'recid', 'recordid', 'key', 'rowid', 'externalid'];
const RECENCY_HEADERS = [
  'updatedat',
  'lastmodified',
  'lastmodifieddate',
  'modifiedat',
  'modified',
  'updated',
  'lastupdated',
  'lastactivitydate',
  'createdat',
  'created',
  'createddate',
];

/** The fields a preset recognises among these columns, with the exact columns each one reads. */
export function recogniseFields(
  preset: PresetName,
  columns: readonly string[],
  exclude: ReadonlySet<string> = new Set(),
): FieldConfig[] {
  const byKey = columnsByKey(columns, exclude);
  const taken = new Set<string>();
  const fields: FieldConfig[] = [];
  for (const rule of preset === 'contacts' ? CONTACT_RULES : COMPANY_RULES) {
    if (rule.unless?.some((n) => fields.some((f) => f.name === n))) continue;
    const found: string[] = [];
    for (const h of rule.headers) {
      const column = byKey.get(h);
      if (column === undefined || taken.has(column)) continue;
      found.push(column);
      if (rule.single) break;
    }
    if (found.length === 0) continue;
    for (const c of found) taken.add(c);
    fields.push({ name: rule.name, kind: rule.kind, columns: found });
  }
  return fields;
}

export function findIdColumn(columns: readonly string[]): string | undefined {
  return firstKnown(columns, ID_HEADERS);
}

export function findRecencyColumn(columns: readonly string[]): string | undefined {
  return firstKnown(columns, RECENCY_HEADERS);
}

function firstKnown(columns: readonly string[], keys: readonly string[]): string | undefined {
  const byKey = columnsByKey(columns);
  for (const h of keys) {
    const c = byKey.get(h);
    if (c !== undefined) return c;
  }
  return undefined;
}

/**
 * The preset for columns nobody labelled: people when a person-name column is there (first, last or full name),
 * else companies when there is any name column (a lone `name`, as in Comp_Name or HubSpot's companies, names an
 * organisation more often than not), else the one that recognises more columns. A table of companies with a contact
 * person column still reads as companies.
 */
export function choosePreset(columns: readonly string[], exclude: ReadonlySet<string> = new Set()): PresetName {
  const contacts = recogniseFields('contacts', columns, exclude);
  const companies = recogniseFields('companies', columns, exclude);
  const bareName = (c: string) => headerKey(c) === 'name' || unprefixedKey(c) === 'name';
  const hasPersonName = contacts.some(
    (f) => f.kind === 'givenName' || f.kind === 'familyName' || (f.kind === 'fullName' && !f.columns.every(bareName)),
  );
  if (hasPersonName) return 'contacts';
  if (companies.some((f) => f.kind === 'companyName')) return 'companies';
  return companies.length >= contacts.length ? 'companies' : 'contacts';
}

/**
 * The field a role names in a hand-written field list (`given_name=Pers_FirstName`): a field kind (givenName,
 * email), a preset's field name (surname, date_of_birth) or any column name a preset recognises (first_name,
 * zip, mobile). A bare `name` is a person's full name beside other person fields, else an organisation's.
 */
export function fieldForRole(role: string, personFields: boolean): { name: string; kind: FieldKind } | undefined {
  const key = headerKey(role);
  const kind = FIELD_KINDS.find((k) => headerKey(k) === key);
  if (kind) return { name: role, kind };
  if (key === 'name') return { name: 'name', kind: personFields ? 'fullName' : 'companyName' };
  for (const rule of [...CONTACT_RULES, ...COMPANY_RULES]) {
    if (headerKey(rule.name) === key || rule.headers.includes(key)) return { name: rule.name, kind: rule.kind };
  }
  return undefined;
}
