/** Property definitions the emulator knows: HubSpot's standard ones for contacts, companies and deals, plus custom. */
export interface PropertyDef {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: string;
  groupName: string;
  options: Array<{ label: string; value: string; displayOrder: number; hidden: boolean }>;
  hasUniqueValue: boolean;
  modificationMetadata: { readOnlyValue: boolean; readOnlyDefinition: boolean; archivable: boolean };
  calculated: boolean;
  hidden: boolean;
  formField: boolean;
  description: string;
}

type Spec = [name: string, type: PropertyDef['type'], fieldType: string, extra?: { unique?: boolean; readOnly?: boolean; options?: string[]; label?: string }];

const common: Spec[] = [
  ['hs_object_id', 'number', 'number', { unique: true, readOnly: true, label: 'Record ID' }],
  ['createdate', 'datetime', 'date', { readOnly: true, label: 'Create Date' }],
  ['hs_lastmodifieddate', 'datetime', 'date', { readOnly: true, label: 'Last Modified Date' }],
  ['hubspot_owner_id', 'enumeration', 'select', { options: [] }],
];

const specs: Record<string, Spec[]> = {
  contacts: [
    ...common,
    ['email', 'string', 'text', { unique: true, label: 'Email' }],
    ['lastmodifieddate', 'datetime', 'date', { readOnly: true, label: 'Last Modified Date' }],
    ['firstname', 'string', 'text'], ['lastname', 'string', 'text'], ['phone', 'string', 'phonenumber'],
    ['company', 'string', 'text'], ['jobtitle', 'string', 'text'], ['city', 'string', 'text'], ['country', 'string', 'text'],
    ['lifecyclestage', 'enumeration', 'radio', { options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] }],
    ['legacy_contact_id', 'string', 'text', { unique: true, label: 'Legacy contact ID' }],
  ],
  companies: [
    ...common,
    ['name', 'string', 'text', { label: 'Company name' }], ['domain', 'string', 'text', { label: 'Company Domain Name' }],
    ['phone', 'string', 'phonenumber'], ['city', 'string', 'text'], ['country', 'string', 'text'], ['website', 'string', 'text'],
    ['industry', 'enumeration', 'select', { options: ['COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'RETAIL', 'HOSPITAL_HEALTH_CARE', 'CONSTRUCTION'] }],
    ['numberofemployees', 'number', 'number'], ['annualrevenue', 'number', 'number'],
    ['legacy_company_id', 'string', 'text', { unique: true, label: 'Legacy company ID' }],
  ],
  deals: [
    ...common,
    ['dealname', 'string', 'text'], ['amount', 'number', 'number'], ['closedate', 'datetime', 'date'],
    ['pipeline', 'enumeration', 'select', { options: ['default'] }],
    ['dealstage', 'enumeration', 'radio', { options: ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'] }],
    ['legacy_deal_id', 'string', 'text', { unique: true, label: 'Legacy deal ID' }],
  ],
};

function label(name: string): string {
  return name.replace(/^hs_/, '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function defaultSchemas(): Map<string, Map<string, PropertyDef>> {
  const out = new Map<string, Map<string, PropertyDef>>();
  for (const [object, list] of Object.entries(specs)) {
    const props = new Map<string, PropertyDef>();
    for (const [name, type, fieldType, extra] of list) {
      props.set(name, {
        name, type, fieldType, label: extra?.label ?? label(name),
        groupName: name.startsWith('legacy_') ? 'legacy' : `${object.replace(/s$/, '')}information`,
        options: (extra?.options ?? []).map((v, i) => ({ label: label(v.toLowerCase()), value: v, displayOrder: i, hidden: false })),
        hasUniqueValue: extra?.unique ?? false,
        modificationMetadata: { readOnlyValue: extra?.readOnly ?? false, readOnlyDefinition: !name.startsWith('legacy_'), archivable: name.startsWith('legacy_') },
        calculated: false, hidden: false, formField: !extra?.readOnly, description: '',
      });
    }
    out.set(object, props);
  }
  return out;
}
