import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import pg from 'pg';
import { redactSecrets } from '../../core/db/redact';
import { describeError } from '../../core/errors';
import type { WebhookSystem } from '../../core/webhooks';
import { connectorFromCredential, credentialSecrets } from '../CrmBridge/actions/crm/connection';
import { credentialToUrl } from '../CrmBridge/transport/database';
import { settingsFromCredential } from '../CrmBridgeWebhookTrigger/settings';

/**
 * What n8n's "Test" button runs for each CRM Bridge credential. Every node that uses a credential names its test with
 * `testedBy` and lists these in `methods.credentialTest`, so a credential tests the same from any of the nodes.
 * Secrets never reach the message.
 */
type CredentialTest = (
  this: ICredentialTestFunctions,
  credential: ICredentialsDecrypted,
) => Promise<INodeCredentialTestResult>;

/** Opens the connector from the credential's fields and asks the CRM whether it answers (the CRM's own API). */
async function testCrmCredential(
  crm: 'salesforce' | 'hubspot' | 'pipedrive' | 'dynamics',
  credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
  const data = credential.data ?? {};
  try {
    const check = await (await connectorFromCredential(crm, data)).checkConnection();
    return { status: check.ok ? 'OK' : 'Error', message: redactSecrets(check.message, credentialSecrets(data)) };
  } catch (error) {
    return { status: 'Error', message: redactSecrets(describeError(error), credentialSecrets(data)) };
  }
}

/** Connects to the PostgreSQL server and runs a query. */
async function testPostgresCredential(credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
  const secrets = [credential.data?.password as string | undefined];
  let client: pg.Client | undefined;
  try {
    client = new pg.Client({
      connectionString: credentialToUrl(credential.data ?? {}),
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    await client.query('SELECT 1');
    return { status: 'OK', message: 'Connection successful' };
  } catch (error) {
    return { status: 'Error', message: redactSecrets(describeError(error), secrets) };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

const WEBHOOK_FIELDS: Record<WebhookSystem, string[]> = {
  hubspot: ['hubspotClientSecret'],
  pipedrive: ['pipedriveUser', 'pipedrivePassword'],
  salesforce: ['salesforceOrganizationId'],
};
const VENDOR_NAMES: Record<WebhookSystem, string> = {
  hubspot: 'HubSpot',
  pipedrive: 'Pipedrive',
  salesforce: 'Salesforce',
};

/**
 * No vendor offers an API that confirms these secrets (they are what the vendor signs or authenticates its calls
 * with), so the test checks them the way the trigger will: each vendor whose fields are filled in must parse as the
 * trigger's settings, and at least one vendor must be ready.
 */
async function testWebhookCredential(credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
  const data = credential.data ?? {};
  const secrets = [data.hubspotClientSecret, data.pipedrivePassword].map((s) => (typeof s === 'string' ? s : ''));
  const filled = (Object.keys(WEBHOOK_FIELDS) as WebhookSystem[]).filter((vendor) =>
    WEBHOOK_FIELDS[vendor].some((field) => typeof data[field] === 'string' && data[field].trim() !== ''),
  );
  if (filled.length === 0)
    return { status: 'Error', message: 'Fill in the fields of at least one vendor (HubSpot, Pipedrive or Salesforce)' };
  for (const vendor of filled) {
    try {
      settingsFromCredential(vendor, data, {});
    } catch (error) {
      return { status: 'Error', message: `${VENDOR_NAMES[vendor]}: ${redactSecrets(describeError(error), secrets)}` };
    }
  }
  return { status: 'OK', message: `Ready for ${filled.map((vendor) => VENDOR_NAMES[vendor]).join(', ')}` };
}

export const postgresCredentialTest: Record<'crmBridgePostgresTest', CredentialTest> = {
  async crmBridgePostgresTest(credential) {
    return testPostgresCredential(credential);
  },
};

export const crmCredentialTests: Record<
  'crmBridgeSalesforceTest' | 'crmBridgeHubSpotTest' | 'crmBridgePipedriveTest' | 'crmBridgeDynamicsTest',
  CredentialTest
> = {
  async crmBridgeSalesforceTest(credential) {
    return testCrmCredential('salesforce', credential);
  },
  // HubSpot: one page of contacts (`GET /crm/v3/objects/contacts?limit=1`), after an OAuth refresh when needed.
  async crmBridgeHubSpotTest(credential) {
    return testCrmCredential('hubspot', credential);
  },
  // Pipedrive: `GET /v1/users/me` (after an OAuth refresh when the credential is an OAuth app).
  async crmBridgePipedriveTest(credential) {
    return testCrmCredential('pipedrive', credential);
  },
  // Dynamics 365: the Web API's `WhoAmI` function, after a client-credentials token when the credential is an app.
  async crmBridgeDynamicsTest(credential) {
    return testCrmCredential('dynamics', credential);
  },
};

export const webhookCredentialTest: Record<'crmBridgeWebhookTest', CredentialTest> = {
  async crmBridgeWebhookTest(credential) {
    return testWebhookCredential(credential);
  },
};
