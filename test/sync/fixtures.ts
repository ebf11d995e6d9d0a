import { PipedriveConnector } from '../../core/connectors/pipedrive';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import { parseSyncJob, type SyncJob, type SyncJobInput } from '../../core/sync/job';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator, makeId } from '../../sandbox/salesforce';

export const PD_TOKEN = 'pd-sync-test-token-0123456789';
export const SF_CLIENT = { clientId: 'sync-app', clientSecret: 'sync-s3cret-value' };

/** The worked example's job: loans of one loan officer and their primary borrowers, Salesforce -> Pipedrive. */
export function loansJob(officerId: string, overrides: Partial<SyncJobInput> = {}): SyncJob {
  return parseSyncJob({
    name: 'loans-to-pipedrive',
    source: 'salesforce',
    target: 'pipedrive',
    batchSize: 25,
    valueMaps: { loanStatus: { Draft: 'open', Approved: 'open', Disbursed: 'won', Repaid: 'won' } },
    streams: [
      {
        name: 'borrowers',
        source: { object: 'Contact', scope: 'referenced' },
        target: { object: 'persons', key: 'Salesforce ID' },
        properties: [
          { template: '{FirstName} {LastName}', to: 'name', transform: ['trim'] },
          { from: 'Email', to: 'email', transform: ['email'] },
        ],
      },
      {
        name: 'loans',
        source: { object: 'Loan__c', filter: [{ field: 'Loan_Officer__c', op: 'eq', value: officerId }] },
        target: { object: 'deals', key: 'Salesforce ID' },
        properties: [
          { from: 'Name', to: 'title' },
          { from: 'Amount__c', to: 'value', transform: ['number'] },
          { from: 'Status__c', to: 'status', transform: [{ type: 'map', ref: 'loanStatus' }] },
        ],
        references: [{ from: 'Primary_Borrower__c', stream: 'borrowers', to: 'person_id' }],
      },
    ],
    ...overrides,
  });
}

export interface Sandbox {
  sf: SalesforceEmulator;
  pd: PipedriveEmulator;
  sfUrl: string;
  pdUrl: string;
  officerId: string;
  otherOfficerId: string;
  contacts: string[];
  loans: string[];
  source(): SalesforceConnector;
  target(): PipedriveConnector;
  stop(): Promise<void>;
}

/** Both emulators, seeded: `contacts` borrowers and `loans` loans, every third of them owned by another officer. */
export async function startSandbox(options: { contacts?: number; loans?: number } = {}): Promise<Sandbox> {
  const sf = new SalesforceEmulator({ client: SF_CLIENT });
  // A roomy token budget: these tests are about sync, the limit has tests (and a bench) of its own.
  const pd = new PipedriveEmulator({ tokens: [PD_TOKEN], burstBudget: 100_000 });
  const [sfUrl, pdUrl] = await Promise.all([sf.start(), pd.start()]);
  pd.store.addCustomField('persons', 'Salesforce ID', 'varchar');
  pd.store.addCustomField('deals', 'Salesforce ID', 'varchar');
  const [other] = sf.store.insert('User', [{ Id: makeId('005', 900), FirstName: 'Other', LastName: 'Officer', Email: 'other@bank.example', Username: 'other@bank.example', IsActive: true }]);
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
        Primary_Borrower__c: contacts[i % contacts.length],
        Loan_Officer__c: i % 3 === 2 ? other!.Id : sf.userId,
        Loan_Number__c: `LN-${i}`,
      })),
    )
    .map((l) => l.Id);
  return {
    sf, pd, sfUrl, pdUrl, contacts, loans,
    officerId: sf.userId,
    otherOfficerId: other!.Id,
    source: () => new SalesforceConnector({ instanceUrl: sfUrl, oauth: { ...SF_CLIENT }, retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 6 } }),
    target: () => new PipedriveConnector({ apiToken: PD_TOKEN, basePath: pdUrl, minRetryDelayMs: 5, maxRetryDelayMs: 50 }),
    stop: async () => {
      await Promise.all([sf.stop(), pd.stop()]);
    },
  };
}
