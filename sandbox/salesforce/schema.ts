/** The describe metadata of the emulated org: Account, Contact, Opportunity and a custom Loan__c. */
export interface FieldDef {
  name: string;
  label: string;
  type: string;
  nillable: boolean;
  unique: boolean;
  externalId: boolean;
  updateable: boolean;
  createable: boolean;
  picklistValues: Array<{ value: string; label: string; active: boolean; defaultValue: boolean }>;
  length?: number;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  fields: FieldDef[];
  /** Fields a create must carry (Salesforce: not nillable, createable, not defaulted). */
  required: string[];
}

type Spec = [name: string, type: string, extra?: Partial<FieldDef> & { options?: string[] }];

function field([name, type, extra = {}]: Spec): FieldDef {
  const system = ['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted'].includes(name);
  const { options, ...rest } = extra;
  return {
    name,
    label: name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'),
    type,
    nillable: !system,
    unique: false,
    externalId: false,
    updateable: !system,
    createable: !system,
    picklistValues: (options ?? []).map((value) => ({ value, label: value, active: true, defaultValue: false })),
    ...rest,
  };
}

const SYSTEM: Spec[] = [
  ['Id', 'id'],
  ['IsDeleted', 'boolean'],
  ['CreatedDate', 'datetime'],
  ['LastModifiedDate', 'datetime'],
  ['SystemModstamp', 'datetime'],
];
const EXT_ID = { externalId: true, unique: true } as const;

function object(name: string, keyPrefix: string, specs: Spec[], required: string[], custom = false): ObjectDef {
  const fields = [...SYSTEM, ...specs].map(field).map((f) => (required.includes(f.name) ? { ...f, nillable: false } : f));
  return { name, label: name.replace(/__c$/, ''), labelPlural: `${name.replace(/__c$/, '')}s`, keyPrefix, custom, fields, required };
}

export function defaultObjects(): ObjectDef[] {
  return [
    object('Account', '001', [
      ['Name', 'string'],
      ['Phone', 'phone'],
      ['Website', 'url'],
      ['Industry', 'picklist', { options: ['Banking', 'Retail', 'Technology', 'Other'] }],
      ['NumberOfEmployees', 'int'],
      ['AnnualRevenue', 'currency'],
      ['Description', 'textarea'],
      ['Legacy_Id__c', 'string', EXT_ID],
    ], ['Name']),
    object('Contact', '003', [
      ['FirstName', 'string'],
      ['LastName', 'string'],
      ['Email', 'email'],
      ['Phone', 'phone'],
      ['AccountId', 'reference'],
      ['HasOptedOutOfEmail', 'boolean'],
      ['Birthdate', 'date'],
      ['Legacy_Id__c', 'string', EXT_ID],
    ], ['LastName']),
    object('Opportunity', '006', [
      ['Name', 'string'],
      ['StageName', 'picklist', { options: ['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost'] }],
      ['CloseDate', 'date'],
      ['Amount', 'currency'],
      ['Probability', 'percent'],
      ['AccountId', 'reference'],
      ['Legacy_Id__c', 'string', EXT_ID],
    ], ['Name', 'StageName', 'CloseDate']),
    object('Loan__c', 'a01', [
      ['Name', 'string'],
      ['Amount__c', 'currency'],
      ['Rate__c', 'percent'],
      ['Status__c', 'picklist', { options: ['Draft', 'Approved', 'Disbursed', 'Repaid'] }],
      ['Channels__c', 'multipicklist', { options: ['Branch', 'Online', 'Broker'] }],
      ['Account__c', 'reference'],
      ['Loan_Number__c', 'string', EXT_ID],
      ['Score__c', 'double', { updateable: false, createable: false }],
    ], ['Name'], true),
  ];
}
