import { describe, expect, it } from 'vitest';
import { kindOfType } from '../../core/mapping/suggest/field-types';
import { suggestFieldMappings, SuggestRequestSchema } from '../../core/mapping/suggest';

// A schema copied from a CRM's own describe output names types the CRM's way. Each vendor's words are taken and
// turned into our kinds; a word nobody knows is kept as `unknown` with a note, never a refusal.

const noDatabase = async () => {
  throw new Error('inline schemas need no database');
};

describe('the type names of each CRM', () => {
  it.each([
    // HubSpot property types and field types
    ['enumeration', { type: 'enum' }],
    ['bool', { type: 'boolean' }],
    ['phone_number', { type: 'string', format: 'phone' }],
    ['number', { type: 'number' }],
    ['datetime', { type: 'datetime' }],
    ['checkbox', { type: 'enum', multiValue: true }],
    ['booleancheckbox', { type: 'boolean' }],
    // Salesforce describe types
    ['picklist', { type: 'enum' }],
    ['multipicklist', { type: 'enum', multiValue: true }],
    ['double', { type: 'number' }],
    ['currency', { type: 'number', format: 'currency' }],
    ['percent', { type: 'number', format: 'percent' }],
    ['int', { type: 'integer' }],
    ['boolean', { type: 'boolean' }],
    ['email', { type: 'string', format: 'email' }],
    ['phone', { type: 'string', format: 'phone' }],
    ['url', { type: 'string', format: 'url' }],
    ['textarea', { type: 'string', format: 'textarea' }],
    ['reference', { type: 'string', format: 'reference' }],
    ['id', { type: 'string', format: 'reference' }],
    // Pipedrive field types
    ['varchar', { type: 'string' }],
    ['text', { type: 'string' }],
    ['monetary', { type: 'number', format: 'currency' }],
    ['enum', { type: 'enum' }],
    ['set', { type: 'enum', multiValue: true }],
    ['date', { type: 'date' }],
    ['user', { type: 'integer', format: 'reference' }],
    ['org', { type: 'integer', format: 'reference' }],
    ['people', { type: 'integer', format: 'reference' }],
  ])('%s is %o', (name, kind) => {
    expect(kindOfType(name)).toEqual(kind);
  });

  it('reads names in any case, and knows no made-up one', () => {
    expect(kindOfType('PickList')).toEqual({ type: 'enum' });
    expect(kindOfType('geolocation')).toBeUndefined();
  });
});

describe('a suggestion request in vendor type names (CLI, MCP and n8n parse the same schema)', () => {
  const request = {
    source: {
      object: 'Contact',
      idField: 'Id',
      fields: [
        { name: 'Email', type: 'email' },
        { name: 'MobilePhone', type: 'phone' },
        { name: 'LeadSource', type: 'picklist' },
        { name: 'Location__c', type: 'location-ish' },
        { name: 'Segments__c', type: 'multipicklist', multiValue: false },
      ],
    },
    target: {
      object: 'person',
      idField: 'id',
      fields: [
        { name: 'email', type: 'varchar', format: 'email' as const },
        { name: 'phone', type: 'phone' },
        { name: 'lead_source', type: 'enum' },
        { name: 'segments', type: 'set' },
      ],
    },
  };

  it('is accepted, keeps what the vendor called each type, and lets explicit flags win', () => {
    const parsed = SuggestRequestSchema.parse(request);
    expect(parsed.source!.fields).toEqual([
      { name: 'Email', type: 'string', format: 'email', vendorType: 'email' },
      { name: 'MobilePhone', type: 'string', format: 'phone', vendorType: 'phone' },
      { name: 'LeadSource', type: 'enum', vendorType: 'picklist' },
      { name: 'Location__c', type: 'unknown', vendorType: 'location-ish' },
      // multiValue given as false by the caller stays false, though a multipicklist implies true.
      { name: 'Segments__c', type: 'enum', multiValue: false, vendorType: 'multipicklist' },
    ]);
    expect(parsed.target!.fields[3]).toEqual({ name: 'segments', type: 'enum', multiValue: true, vendorType: 'set' });
    // Parsing what was parsed gives the same (the MCP server validates a request before the core parses it again).
    expect(SuggestRequestSchema.parse(parsed)).toEqual(parsed);
  });

  it('pairs the fields, and notes the one type it did not know', async () => {
    const result = await suggestFieldMappings(noDatabase, request);
    expect(Object.fromEntries(result.suggestions.map((s) => [s.source, s.target]))).toEqual({
      Email: 'email',
      MobilePhone: 'phone',
      LeadSource: 'lead_source',
      Location__c: null,
      Segments__c: 'segments',
    });
    expect(result.notes).toEqual([
      'Contact.Location__c: type "location-ish" is not one we know; it is compared by its name and sample values only',
    ]);
  });
});
