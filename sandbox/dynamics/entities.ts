/** Attribute types the emulator stores, named as Dataverse's `AttributeType` names them. */
export type AttributeType =
  | 'String'
  | 'Memo'
  | 'Integer'
  | 'Decimal'
  | 'Double'
  | 'Money'
  | 'Boolean'
  | 'DateTime'
  | 'Picklist'
  | 'Lookup'
  | 'Customer'
  | 'Uniqueidentifier';

export interface OptionDef {
  value: number;
  label: string;
}

export interface AttributeDef {
  logicalName: string;
  type: AttributeType;
  label: string;
  /** A column added by a customisation (its name carries the publisher prefix, e.g. `new_`). */
  custom?: boolean;
  required?: boolean;
  maxLength?: number;
  /** StringAttributeMetadata `Format`: Email, Phone, Url, TextArea, Text. */
  format?: 'Text' | 'Email' | 'Phone' | 'Url' | 'TextArea';
  options?: OptionDef[];
  /** System columns (created/modified on, the primary ID) cannot be written. */
  readOnly?: boolean;
  /** Lookups: the entity each navigation property points at, e.g. { parentcustomerid_account: 'account' }. */
  navigation?: Record<string, string>;
}

export interface KeyDef {
  logicalName: string;
  attributes: string[];
}

export interface EntityDef {
  logicalName: string;
  entitySetName: string;
  primaryId: string;
  primaryName: string;
  label: string;
  changeTracking: boolean;
  attributes: AttributeDef[];
  keys: KeyDef[];
}

const system = (primaryId: string): AttributeDef[] => [
  { logicalName: primaryId, type: 'Uniqueidentifier', label: 'ID', readOnly: true },
  { logicalName: 'createdon', type: 'DateTime', label: 'Created On', readOnly: true },
  { logicalName: 'modifiedon', type: 'DateTime', label: 'Modified On', readOnly: true },
];

/** The stock `account` table with the columns the connector's tests use, plus customisations of a `new_` publisher. */
export function accountEntity(): EntityDef {
  return {
    logicalName: 'account',
    entitySetName: 'accounts',
    primaryId: 'accountid',
    primaryName: 'name',
    label: 'Account',
    changeTracking: true,
    attributes: [
      ...system('accountid'),
      { logicalName: 'name', type: 'String', label: 'Account Name', required: true, maxLength: 160 },
      { logicalName: 'accountnumber', type: 'String', label: 'Account Number', maxLength: 20 },
      { logicalName: 'telephone1', type: 'String', label: 'Main Phone', maxLength: 50, format: 'Phone' },
      { logicalName: 'emailaddress1', type: 'String', label: 'Email', maxLength: 100, format: 'Email' },
      { logicalName: 'websiteurl', type: 'String', label: 'Website', maxLength: 200, format: 'Url' },
      { logicalName: 'address1_city', type: 'String', label: 'Address 1: City', maxLength: 80 },
      { logicalName: 'description', type: 'Memo', label: 'Description', maxLength: 2000, format: 'TextArea' },
      { logicalName: 'numberofemployees', type: 'Integer', label: 'Number of Employees' },
      { logicalName: 'revenue', type: 'Money', label: 'Annual Revenue' },
      { logicalName: 'creditonhold', type: 'Boolean', label: 'Credit Hold' },
      {
        logicalName: 'industrycode',
        type: 'Picklist',
        label: 'Industry',
        options: [
          { value: 1, label: 'Accounting' },
          { value: 2, label: 'Agriculture and Non-petrol Natural Resource Extraction' },
          { value: 3, label: 'Broadcasting Printing and Publishing' },
          { value: 7, label: 'Consulting' },
          { value: 33, label: 'Wholesale' },
        ],
      },
      { logicalName: 'new_legacyid', type: 'String', label: 'Legacy ID', custom: true, maxLength: 100 },
      {
        logicalName: 'new_tier',
        type: 'Picklist',
        label: 'Customer Tier',
        custom: true,
        options: [
          { value: 100000000, label: 'Gold' },
          { value: 100000001, label: 'Silver' },
          { value: 100000002, label: 'Bronze' },
        ],
      },
    ],
    keys: [
      { logicalName: 'accountnumber_key', attributes: ['accountnumber'] },
      { logicalName: 'new_legacyid_key', attributes: ['new_legacyid'] },
    ],
  };
}

/** The stock `contact` table, with its customer lookup to accounts and a `new_legacyid` alternate key. */
export function contactEntity(): EntityDef {
  return {
    logicalName: 'contact',
    entitySetName: 'contacts',
    primaryId: 'contactid',
    primaryName: 'fullname',
    label: 'Contact',
    changeTracking: true,
    attributes: [
      ...system('contactid'),
      { logicalName: 'firstname', type: 'String', label: 'First Name', maxLength: 50 },
      { logicalName: 'lastname', type: 'String', label: 'Last Name', required: true, maxLength: 50 },
      { logicalName: 'fullname', type: 'String', label: 'Full Name', maxLength: 160, readOnly: true },
      { logicalName: 'emailaddress1', type: 'String', label: 'Email', maxLength: 100, format: 'Email' },
      { logicalName: 'telephone1', type: 'String', label: 'Business Phone', maxLength: 50, format: 'Phone' },
      { logicalName: 'jobtitle', type: 'String', label: 'Job Title', maxLength: 100 },
      { logicalName: 'birthdate', type: 'DateTime', label: 'Birthday' },
      {
        logicalName: 'parentcustomerid',
        type: 'Customer',
        label: 'Company Name',
        navigation: { parentcustomerid_account: 'account', parentcustomerid_contact: 'contact' },
      },
      { logicalName: 'new_legacyid', type: 'String', label: 'Legacy ID', custom: true, maxLength: 100 },
    ],
    keys: [{ logicalName: 'new_legacyid_key', attributes: ['new_legacyid'] }],
  };
}
