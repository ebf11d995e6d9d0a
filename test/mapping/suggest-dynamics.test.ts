/**
 * Mapping suggestions with Dynamics 365 on one side: its logical names, labels, GUIDs, option sets and attribute
 * types; and suggestions between the emulator's own metadata (as the connector describes it, not a labeled pair the
 * engine was tuned on) and HubSpot / Salesforce fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectSchema } from '../../core/connectors/connector';
import { DynamicsConnector } from '../../core/connectors/dynamics';
import { normaliseField } from '../../core/mapping/suggest/field-types';
import { loadLabeledPairs } from '../../core/mapping/suggest/labeled-pairs';
import { compareOptions, kindOf } from '../../core/mapping/suggest/profile';
import { suggestMappings } from '../../core/mapping/suggest/suggest';
import { buildVocabulary, stripAffixes, terms } from '../../core/mapping/suggest/tokens';
import { DynamicsEmulator } from '../../sandbox/dynamics';

const vocab = buildVocabulary();
const ids = (name: string, isName = true) => terms(name, vocab, isName).map((t) => t.id);
const mapped = (source: ObjectSchema, target: ObjectSchema) =>
  Object.fromEntries(suggestMappings(source, target).suggestions.map((s) => [s.source, s.target]));

describe('Dynamics 365 field names and values', () => {
  it('reads the parts of composite address columns, by logical name and by label', () => {
    expect(ids('address1_city')).toEqual(['city']);
    expect(ids('address1_stateorprovince')).toEqual(['state']);
    expect(ids('address1_postalcode')).toEqual(['zip']);
    expect(ids('address2_line1')).toEqual(['street']);
    expect(ids('address1_line2')).toEqual(['street2']);
    expect(ids('Address 1: Street 1', false)).toEqual(['street']);
    expect(ids('Address 1: Country/Region', false)).toEqual(['country', 'state']);
    // Without a part after it, "address 1" is still the first street line (legacy exports).
    expect(ids('Comp_Address1')).toEqual(['street']);
  });

  it("drops the default publishers' prefixes of custom columns, only on lower-case logical names", () => {
    expect(stripAffixes('new_yearfounded')).toBe('yearfounded');
    expect(stripAffixes('cr1a2_legacyid')).toBe('legacyid');
    expect(ids('new_yearfounded')).toEqual(['founded']);
    expect(ids('cr1a2_legacyid')).toEqual(['legacy', 'id']);
    expect(stripAffixes('newsletter_optin')).toBe('newsletter_optin');
    expect(stripAffixes('New_Customer_Flag')).toBe('Customer_Flag'); // a legacy table prefix, as before
  });

  it('classifies GUIDs as record IDs, and takes Dataverse attribute types as they are', () => {
    expect(kindOf('3f2504e0-4f89-41d3-9a0c-0305e82c3301')).toBe('id');
    expect(kindOf('{3F2504E0-4F89-41D3-9A0C-0305E82C3301}')).toBe('id');
    expect(kindOf('3f2504e0-4f89')).not.toBe('id');
    expect(normaliseField({ name: 'revenue', type: 'Money' })).toMatchObject({ type: 'number', format: 'currency' });
    expect(normaliseField({ name: 'ownerid', type: 'Owner' })).toMatchObject({ type: 'string', format: 'reference' });
    expect(normaliseField({ name: 'description', type: 'Memo' })).toMatchObject({ format: 'textarea' });
    expect(normaliseField({ name: 'new_tags', type: 'MultiSelectPicklist' })).toMatchObject({
      type: 'enum',
      multiValue: true,
    });
  });

  it('compares option sets: shared labels count for a pair, long lists sharing nothing against it', () => {
    const field = (options: string[]) => ({ name: 'x', type: 'enum' as const, options });
    const relationship = field(['Competitor', 'Customer', 'Partner', 'Prospect', 'Supplier']);
    const accountType = field(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Technology Partner']);
    expect(compareOptions(relationship, accountType)!.score).toBeGreaterThan(0.9);
    expect(compareOptions(field(['Gold', 'Silver', 'Bronze']), accountType)!.score).toBeLessThan(0);
    expect(compareOptions(field(['Standard', 'Preferred Customer']), field(['A', 'B']))).toBeNull();
  });

  it("does not take a table's ID (labelled with the table's name, holding GUIDs) for its name", () => {
    const guids = ['3f2504e0-4f89-41d3-9a0c-0305e82c3301', '7c9e6679-7425-40de-944b-e07fc1f90ae7'];
    const account = (label: string): ObjectSchema => ({
      object: 'account',
      idField: 'accountid',
      fields: [{ name: 'accountid', label, type: 'string', readOnly: true, unique: true, sample: guids }],
    });
    const companies: ObjectSchema = {
      object: 'companies',
      idField: 'hs_object_id',
      fields: [{ name: 'name', label: 'Company name', type: 'string', sample: ['Fabrikam, Inc.', 'Contoso Ltd'] }],
    };
    const [id] = suggestMappings(account('Account'), companies).suggestions;
    expect(id).toMatchObject({ target: null });
    expect(id!.candidates[0]!.confidence).toBeLessThan(50);
    // Read as "Account ID": the same as a label that says so.
    expect(suggestMappings(account('Account ID'), companies).suggestions[0]!.candidates[0]!.confidence).toBe(
      id!.candidates[0]!.confidence,
    );
  });
});

describe("suggestions from the emulator's metadata (not a tuning pair)", () => {
  const emulator = new DynamicsEmulator({ apps: [{ tenantId: 't', clientId: 'suggest', clientSecret: 's-3f1' }] });
  const pairs = loadLabeledPairs();
  const side = (id: string, which: 'source' | 'target') => pairs.find((p) => p.id === id)![which] as ObjectSchema;
  let account: ObjectSchema;
  let contact: ObjectSchema;
  beforeAll(async () => {
    const url = await emulator.start();
    const dynamics = new DynamicsConnector({
      url,
      credentials: { tenantId: 't', clientId: 'suggest', clientSecret: 's-3f1', authorityUrl: url },
    });
    account = await dynamics.describe('account');
    contact = await dynamics.describe('contact');
  });
  afterAll(() => emulator.stop());

  it('HubSpot companies -> Dynamics account', () => {
    const got = mapped(side('hubspot-companies-to-salesforce-account', 'source'), account);
    expect(got).toMatchObject({
      name: 'name',
      website: 'websiteurl',
      phone: 'telephone1',
      city: 'address1_city',
      industry: 'industrycode',
      numberofemployees: 'numberofemployees',
      annualrevenue: 'revenue',
      description: 'description',
      hubspot_owner_id: null, // the emulator's account has no owner column
      createdate: null, // createdon is set by Dataverse
      hs_lastmodifieddate: null,
    });
  });

  it('Dynamics contact -> Salesforce Contact, the company lookup to AccountId', () => {
    const got = mapped(contact, side('hubspot-contacts-to-salesforce-contact', 'target'));
    expect(got).toMatchObject({
      contactid: null,
      firstname: 'FirstName',
      lastname: 'LastName',
      emailaddress1: 'Email',
      telephone1: 'Phone',
      jobtitle: 'Title',
      birthdate: 'Birthdate',
      parentcustomerid: 'AccountId',
      fullname: null,
      new_legacyid: null,
      createdon: null,
      modifiedon: null,
    });
  });
});
