import type { DynamicsEmulator } from '../dynamics';

const COMPANIES = [
  ['Northwind Traders', 'Wholesale', 'Gold'],
  ['Contoso Pharmaceuticals', 'Consulting', 'Silver'],
  ['Fabrikam Inc', 'Broadcasting Printing and Publishing', 'Bronze'],
  ['Adventure Works Cycles', 'Wholesale', 'Silver'],
  ['Litware Inc', 'Consulting', 'Gold'],
] as const;

const PEOPLE = [
  ['Nancy', 'Davolio'],
  ['Andrew', 'Fuller'],
  ['Janet', 'Leverling'],
  ['Margaret', 'Peacock'],
  ['Steven', 'Buchanan'],
] as const;

/**
 * A small environment for `crm-bridge sandbox`: accounts with an account number, a legacy ID (custom `new_legacyid`,
 * an alternate key), an industry and a tier (choices), and a contact at each account bound by its customer lookup.
 */
export function seedDynamicsExample(emulator: DynamicsEmulator): { accounts: number; contacts: number } {
  const { store } = emulator;
  const label = (entity: string, column: string, text: string) =>
    store.entity(entity).attributes.find((a) => a.logicalName === column)!.options!.find((o) => o.label === text)!.value;
  COMPANIES.forEach(([name, industry, tier], i) => {
    const account = store.insert('account', {
      name,
      accountnumber: `ACC-${1001 + i}`,
      new_legacyid: String(1001 + i),
      industrycode: label('account', 'industrycode', industry),
      new_tier: label('account', 'new_tier', tier),
      numberofemployees: 50 * (i + 1),
    });
    const [firstname, lastname] = PEOPLE[i]!;
    store.insert('contact', {
      firstname,
      lastname,
      emailaddress1: `${firstname.toLowerCase()}.${lastname.toLowerCase()}@example.com`,
      new_legacyid: String(5001 + i),
      _parentcustomerid_value: account.id,
    });
  });
  return { accounts: COMPANIES.length, contacts: PEOPLE.length };
}
