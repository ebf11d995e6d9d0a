import path from 'node:path';
import { readFileSync } from 'node:fs';
import { DynamicsConnector } from '../../core/connectors/dynamics';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import { parseSyncJob, type SyncJob, type SyncJobInput } from '../../core/sync/job';
import { DynamicsEmulator } from '../../sandbox/dynamics';
import { seedAccountsExample } from '../../sandbox/examples/accounts';
import { seedDynamicsExample } from '../../sandbox/examples/dynamics';
import { seedLoanExample } from '../../sandbox/examples/loans';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { SF_CLIENT } from './fixtures';

/** The Salesforce <-> Dynamics worked example's job file, as `crm-bridge sync --job` takes it. */
export const ACCOUNTS_JOB_FILE = path.join(__dirname, '../../examples/sync/salesforce-dynamics-accounts.json');

export function accountsJob(overrides: Partial<SyncJobInput> = {}): SyncJob {
  const example = JSON.parse(readFileSync(ACCOUNTS_JOB_FILE, 'utf8')) as SyncJobInput;
  return parseSyncJob({ ...example, ...overrides });
}

const APP = { tenantId: 'sync-tenant', clientId: 'sync-app', clientSecret: 'sync-dyn-s3cret-value' };

export interface DynamicsBox {
  sf: SalesforceEmulator;
  dyn: DynamicsEmulator;
  environment: Record<string, string>;
  salesforce(): SalesforceConnector;
  dynamics(): DynamicsConnector;
  stop(): Promise<void>;
}

/** The Salesforce and Dynamics emulators as `crm-bridge sandbox` seeds them for the example. */
export async function startDynamicsBox(): Promise<DynamicsBox> {
  const sf = new SalesforceEmulator({ client: SF_CLIENT });
  const dyn = new DynamicsEmulator({ apps: [APP] });
  // As `crm-bridge sandbox` seeds them: the loans example's borrowers too (Salesforce contacts without an account).
  seedLoanExample(sf, new PipedriveEmulator());
  seedDynamicsExample(dyn);
  seedAccountsExample(sf, dyn);
  const [sfUrl, dynUrl] = await Promise.all([sf.start(), dyn.start()]);
  return {
    sf,
    dyn,
    environment: {
      SALESFORCE_INSTANCE_URL: sfUrl,
      SALESFORCE_CLIENT_ID: SF_CLIENT.clientId,
      SALESFORCE_CLIENT_SECRET: SF_CLIENT.clientSecret,
      DYNAMICS_URL: dynUrl,
      DYNAMICS_AUTHORITY_URL: dynUrl,
      DYNAMICS_TENANT_ID: APP.tenantId,
      DYNAMICS_CLIENT_ID: APP.clientId,
      DYNAMICS_CLIENT_SECRET: APP.clientSecret,
    },
    salesforce: () =>
      new SalesforceConnector({
        instanceUrl: sfUrl,
        oauth: { ...SF_CLIENT },
        retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 6 },
      }),
    dynamics: () =>
      new DynamicsConnector({
        url: dynUrl,
        credentials: { ...APP, authorityUrl: dynUrl },
        minRetryDelayMs: 5,
        maxRetryDelayMs: 50,
      }),
    stop: async () => {
      await Promise.all([sf.stop(), dyn.stop()]);
    },
  };
}
