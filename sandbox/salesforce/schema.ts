/** The describe metadata of the emulated org: Account, Contact, Opportunity, User and a custom Loan__c. */
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
  /** Lookup fields: the object(s) the ID must belong to. */
  referenceTo?: string[];
  relationshipName?: string | null;
  /** Writes with a value outside picklistValues fail (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  restrictedPicklist?: boolean;
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

const ref = (object: string, relationshipName: string): Partial<FieldDef> => ({
  referenceTo: [object],
  relationshipName,
});

function field([name, type, extra = {}]: Spec): FieldDef {
  const system = ['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted'].includes(name);
  const { options, ...rest } = extra;
  return {
    name,
    label: name
      .replace(/__c$/, '')
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2'),
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
  const fields = [...SYSTEM, ...specs]
    .map(field)
    .map((f) => (required.includes(f.name) ? { ...f, nillable: false } : f));
  return {
    name,
    label: name.replace(/__c$/, ''),
    labelPlural: `${name.replace(/__c$/, '')}s`,
    keyPrefix,
    custom,
    fields,
    required,
  };
}

export function defaultObjects(): ObjectDef[] {
  return [
    object(
      'Account',
      '001',
      [
        ['Name', 'string'],
        ['Phone', 'phone'],
        ['Website', 'url'],
        ['Industry', 'picklist', { options: ['Banking', 'Retail', 'Technology', 'Other'] }],
        ['NumberOfEmployees', 'int'],
        ['AnnualRevenue', 'currency'],
        ['Description', 'textarea'],
        ['Legacy_Id__c', 'string', EXT_ID],
      ],
      ['Name'],
    ),
    object(
      'Contact',
      '003',
      [
        ['FirstName', 'string'],
        ['LastName', 'string'],
        ['Email', 'email'],
        ['Phone', 'phone'],
        ['AccountId', 'reference', ref('Account', 'Account')],
        ['HasOptedOutOfEmail', 'boolean'],
        ['Birthdate', 'date'],
        ['Legacy_Id__c', 'string', EXT_ID],
      ],
      ['LastName'],
    ),
    object(
      'Opportunity',
      '006',
      [
        ['Name', 'string'],
        ['StageName', 'picklist', { options: ['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost'] }],
        ['CloseDate', 'date'],
        ['Amount', 'currency'],
        ['Probability', 'percent'],
        ['AccountId', 'reference', ref('Account', 'Account')],
        ['Legacy_Id__c', 'string', EXT_ID],
      ],
      ['Name', 'StageName', 'CloseDate'],
    ),
    // Read-only through the API here (seed with store.insert): loan officers that Loan__c.Loan_Officer__c points at.
    object(
      'User',
      '005',
      [
        ['Name', 'string', { createable: false, updateable: false }],
        ['FirstName', 'string'],
        ['LastName', 'string'],
        ['Email', 'email'],
        ['Username', 'string', { unique: true }],
        ['IsActive', 'boolean'],
      ],
      ['LastName', 'Email', 'Username'],
    ),
    object(
      'Loan__c',
      'a01',
      [
        ['Name', 'string'],
        ['Amount__c', 'currency'],
        ['Rate__c', 'percent'],
        ['Status__c', 'picklist', { options: ['Draft', 'Approved', 'Disbursed', 'Repaid'] }],
        ['Channels__c', 'multipicklist', { options: ['Branch', 'Online', 'Broker'] }],
        ['Account__c', 'reference', ref('Account', 'Account__r')],
        ['Primary_Borrower__c', 'reference', ref('Contact', 'Primary_Borrower__r')],
        ['Loan_Officer__c', 'reference', ref('User', 'Loan_Officer__r')],
        [
          'Stage__c',
          'picklist',
          { options: ['Application', 'Underwriting', 'Approved', 'Funded', 'Declined'], restrictedPicklist: true },
        ],
        ['Loan_Number__c', 'string', EXT_ID],
        ['Score__c', 'double', { updateable: false, createable: false }],
      ],
      ['Name'],
      true,
    ),
  ];
}
