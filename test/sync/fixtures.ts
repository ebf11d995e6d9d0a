import { PipedriveConnector } from '../../core/connectors/pipedrive';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import { parseSyncJob, type SyncJob, type SyncJobInput } from '../../core/sync/job';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { seedLoanExample, type SeededLoans } from '../../sandbox/examples/loans';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { databaseForProcess } from '../helpers/database';

export const PD_TOKEN = 'pd-sync-test-token-0123456789';
export const SF_CLIENT = { clientId: 'sync-app', clientSecret: 'sync-s3cret-value' };

/** The worked example's job file, as `crm-bridge sync --job` and `serve --job` take it. */
export const LOANS_JOB_FILE = path.join(__dirname, '../../examples/sync/loans-to-pipedrive.json');

/** The worked example's job (LOANS_JOB_FILE), smaller batches, with test overrides. */
export function loansJob(overrides: Partial<SyncJobInput> = {}): SyncJob {
  const example = JSON.parse(readFileSync(LOANS_JOB_FILE, 'utf8')) as SyncJobInput;
  return parseSyncJob({ ...example, batchSize: 25, ...overrides });
}

export interface Sandbox {
  options: { contacts?: number; loans?: number; pipedriveBurstBudget?: number };
  sf: SalesforceEmulator;
  pd: PipedriveEmulator;
  sfUrl: string;
  pdUrl: string;
  officerId: string;
  otherOfficerId: string;
  contacts: string[];
  loans: string[];
  /** The two connections as the CLI and the MCP server read them from the environment. */
  environment: Record<string, string>;
  source(): SalesforceConnector;
  target(): PipedriveConnector;
  stop(): Promise<void>;
}

/**
 * The seeded sandbox and a database of its own, for tests that drive the CLI or the MCP server as processes: `env`
 * is what such a process needs (both connections and where to keep its state); `stop` closes and drops both.
 */
export async function startSandboxForProcesses(): Promise<{
  box: Sandbox;
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const box = await startSandbox();
  const database = await databaseForProcess();
  return {
    box,
    env: { ...box.environment, ...database.env },
    stop: async () => {
      await box.stop();
      await database.drop();
    },
  };
}

/** Both emulators, seeded with the worked example: every third loan belongs to another officer. */
export async function startSandbox(
  options: { contacts?: number; loans?: number; pipedriveBurstBudget?: number } = {},
): Promise<Sandbox> {
  const sf = new SalesforceEmulator({ client: SF_CLIENT });
  // A roomy token budget: these tests are about sync, the limit has tests (and a bench) of its own.
  const pd = new PipedriveEmulator({ tokens: [PD_TOKEN], burstBudget: options.pipedriveBurstBudget ?? 100_000 });
  const [sfUrl, pdUrl] = await Promise.all([sf.start(), pd.start()]);
  const { officerId, otherOfficerId, contacts, loans } = seedLoanExample(sf, pd, options);
  return sandboxOf(sf, pd, sfUrl, pdUrl, { officerId, otherOfficerId, contacts, loans }, options);
}

function sandboxOf(
  sf: SalesforceEmulator,
  pd: PipedriveEmulator,
  sfUrl: string,
  pdUrl: string,
  seeded: SeededLoans,
  options: Sandbox['options'],
): Sandbox {
  const { officerId, otherOfficerId, contacts, loans } = seeded;
  return {
    options,
    sf,
    pd,
    sfUrl,
    pdUrl,
    contacts,
    loans,
    officerId,
    otherOfficerId,
    environment: {
      SALESFORCE_INSTANCE_URL: sfUrl,
      SALESFORCE_CLIENT_ID: SF_CLIENT.clientId,
      SALESFORCE_CLIENT_SECRET: SF_CLIENT.clientSecret,
      PIPEDRIVE_BASE_URL: pdUrl,
      PIPEDRIVE_API_TOKEN: PD_TOKEN,
    },
    source: () =>
      new SalesforceConnector({
        instanceUrl: sfUrl,
        oauth: { ...SF_CLIENT },
        retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 6 },
      }),
    target: () =>
      new PipedriveConnector({ apiToken: PD_TOKEN, basePath: pdUrl, minRetryDelayMs: 5, maxRetryDelayMs: 50 }),
    stop: async () => {
      await Promise.all([sf.stop(), pd.stop()]);
    },
  };
}

/**
 * Stops emulators and starts them again, empty, on the same ports, as `crm-bridge sandbox` comes back after a restart:
 * Salesforce re-seeded with the same records (same IDs, new modified times), Pipedrive with its fields and pipelines
 * but no person or deal. What the engine remembers having written (`sync.records`) then no longer holds.
 */
export async function restartEmpty(box: Sandbox, which: { salesforce: boolean; pipedrive: boolean }): Promise<Sandbox> {
  const port = (url: string) => Number(new URL(url).port);
  let { sf, pd } = box;
  if (which.salesforce) {
    await sf.stop();
    sf = new SalesforceEmulator({ client: SF_CLIENT });
    await sf.start(port(box.sfUrl));
  }
  if (which.pipedrive) {
    await pd.stop();
    pd = new PipedriveEmulator({ tokens: [PD_TOKEN], burstBudget: box.options.pipedriveBurstBudget ?? 100_000 });
    await pd.start(port(box.pdUrl));
  }
  // Seeding writes both sides; a Salesforce left running gets its share in a throwaway emulator instead.
  const seeded = seedLoanExample(which.salesforce ? sf : new SalesforceEmulator(), pd, box.options);
  return sandboxOf(sf, pd, box.sfUrl, box.pdUrl, which.salesforce ? seeded : box, box.options);
}
