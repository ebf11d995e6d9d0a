import type { DynamicsEmulator } from '../dynamics';
import type { SalesforceEmulator } from '../salesforce';
import { addField } from '../salesforce/customise';

const COMPANIES = [
  ['Blue Yonder Airlines', '+1 206 555 0101', 'https://blueyonder.example', 120],
  ['Coho Winery', '+1 707 555 0102', 'https://cohowinery.example', 35],
  ['Tailspin Toys', '+1 425 555 0103', 'https://tailspintoys.example', 60],
  ['Wingtip Toys', '+1 503 555 0104', 'https://wingtiptoys.example', 18],
] as const;

const PEOPLE = [
  ['Ana', 'Trujillo'],
  ['Hanna', 'Moos'],
  ['Thomas', 'Hardy'],
  ['Christina', 'Berglund'],
  ['Elizabeth', 'Lincoln'],
  ['Victoria', 'Ashworth'],
  ['Patricio', 'Simpson'],
  ['Yang', 'Wang'],
] as const;

/**
 * The Salesforce <-> Dynamics example (examples/sync/salesforce-dynamics-accounts.json): four Salesforce accounts with
 * two contacts each; the external ID `Dynamics_Id__c` on Salesforce Account and Contact (for records made in Dynamics);
 * and in Dynamics the column the job upserts by, `new_salesforceid` on account and contact, made an alternate key (a
 * customisation the maker portal would add; Dataverse upserts only by alternate keys).
 */
export function seedAccountsExample(
  sf: SalesforceEmulator,
  dynamics: DynamicsEmulator,
): { accounts: number; contacts: number } {
  for (const entity of ['account', 'contact']) {
    const def = dynamics.store.entity(entity);
    if (!def.attributes.some((a) => a.logicalName === 'new_salesforceid'))
      dynamics.store.addAttribute(entity, {
        logicalName: 'new_salesforceid',
        type: 'String',
        label: 'Salesforce ID',
        maxLength: 18,
      });
    dynamics.store.addKey(entity, { logicalName: 'new_salesforceid_key', attributes: ['new_salesforceid'] });
  }
  // Two-way jobs create records made in Dynamics in Salesforce by an external ID holding the Dynamics row ID.
  for (const object of ['Account', 'Contact'])
    addField(sf.store, object, {
      name: 'Dynamics_Id__c',
      label: 'Dynamics ID',
      type: 'string',
      length: 36,
      externalId: true,
      unique: true,
    });
  const accounts = sf.store.insert(
    'Account',
    COMPANIES.map(([Name, Phone, Website, NumberOfEmployees]) => ({ Name, Phone, Website, NumberOfEmployees })),
  );
  sf.store.insert(
    'Contact',
    PEOPLE.map(([FirstName, LastName], i) => ({
      FirstName,
      LastName,
      Email: `${FirstName.toLowerCase()}.${LastName.toLowerCase()}@example.com`,
      AccountId: accounts[Math.floor(i / 2)]!.Id,
    })),
  );
  return { accounts: COMPANIES.length, contacts: PEOPLE.length };
}
