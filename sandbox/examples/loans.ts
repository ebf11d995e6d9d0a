import type { PipedriveEmulator } from '../pipedrive';
import { makeId, type SalesforceEmulator } from '../salesforce';

/** The loan officer whose loans the worked example syncs; a fixed ID so the example job file can name it. */
export const EXAMPLE_OFFICER_ID = makeId('005', 901);
export const OTHER_OFFICER_ID = makeId('005', 902);

export interface SeededLoans {
  officerId: string;
  otherOfficerId: string;
  contacts: string[];
  loans: string[];
}

const STAGES = ['Application', 'Underwriting', 'Approved', 'Funded', 'Declined'] as const;

/**
 * Seeds the worked example: two loan officers, `contacts` borrowers and `loans` loans in Salesforce (every third loan
 * belongs to the other officer), and the "Salesforce ID" custom fields Pipedrive persons and deals are upserted by.
 */
export function seedLoanExample(sf: SalesforceEmulator, pd: PipedriveEmulator, options: { contacts?: number; loans?: number } = {}): SeededLoans {
  for (const object of ['persons', 'deals'] as const) {
    if (!pd.store.fieldsOf(object).some((f) => f.name === 'Salesforce ID')) pd.store.addCustomField(object, 'Salesforce ID', 'varchar');
  }
  // The lender's Pipedrive has a Loans pipeline whose stages follow the loan's life (Declined loans are lost deals).
  if (!pd.store.pipelines.some((p) => p.name === 'Loans')) {
    const pipelineId = Math.max(...pd.store.pipelines.map((p) => p.id)) + 1;
    pd.store.pipelines.push({ id: pipelineId, name: 'Loans', order_nr: pipelineId, active: true });
    const first = Math.max(...pd.store.stages.map((s) => s.id)) + 1;
    ['Application', 'Underwriting', 'Approved', 'Funded'].forEach((name, i) => pd.store.stages.push({ id: first + i, name, pipeline_id: pipelineId, order_nr: i + 1 }));
  }
  sf.store.insert('User', [
    { Id: EXAMPLE_OFFICER_ID, FirstName: 'Dana', LastName: 'Officer', Email: 'dana.officer@bank.example', Username: 'dana.officer@bank.example', IsActive: true },
    { Id: OTHER_OFFICER_ID, FirstName: 'Other', LastName: 'Officer', Email: 'other.officer@bank.example', Username: 'other.officer@bank.example', IsActive: true },
  ]);
  const contacts = sf.store
    .insert('Contact', Array.from({ length: options.contacts ?? 20 }, (_, i) => ({ FirstName: `Borrower${i}`, LastName: `Family${i % 7}`, Email: `Borrower${i}@Example.COM` })))
    .map((c) => c.Id);
  const loans = sf.store
    .insert(
      'Loan__c',
      Array.from({ length: options.loans ?? 30 }, (_, i) => ({
        Name: `Loan ${i}`,
        Amount__c: 1000 + i * 10,
        Status__c: i % 4 === 0 ? 'Disbursed' : 'Draft',
        Stage__c: STAGES[i % STAGES.length],
        Primary_Borrower__c: contacts[i % contacts.length],
        Loan_Officer__c: i % 3 === 2 ? OTHER_OFFICER_ID : EXAMPLE_OFFICER_ID,
        Loan_Number__c: `LN-${i}`,
      })),
    )
    .map((l) => l.Id);
  return { officerId: EXAMPLE_OFFICER_ID, otherOfficerId: OTHER_OFFICER_ID, contacts, loans };
}
