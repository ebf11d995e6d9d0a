/**
 * What the e2e workflows are given: the built package n8n loads, the server database the tests use, the CRM Bridge
 * credentials as `n8n import:credentials` takes them, and the workflow files with their placeholders filled in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { UpsertInput } from '../../../core/connectors/connector';
import { loadConnections, openConnector } from '../../../core/connectors/registry';
import { ROOT } from '../../helpers/example-data';
import type { N8nCredential } from './run-workflow';

/** The nodes run inside a real n8n, loaded from the built package exactly as a self-hosted user would load them. */
export const DIST = path.join(ROOT, 'dist');
export const SERVER = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

/** A CRM Bridge PostgreSQL credential for the database at `url`. */
export function postgresCredential(url: string, id: string, name: string): N8nCredential {
  const u = new URL(url);
  return {
    id,
    name,
    type: 'crmBridgePostgresApi',
    data: {
      host: u.hostname,
      port: Number(u.port || 5432),
      database: u.pathname.slice(1),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      ssl: 'disable',
    },
  };
}

/** A CRM Bridge Salesforce credential signing in to the emulator at `instanceUrl` as a connected app. */
export function salesforceCredential(
  id: string,
  instanceUrl: string,
  client: { clientId: string; clientSecret: string },
): N8nCredential {
  return {
    id,
    name: 'Salesforce emulator',
    type: 'crmBridgeSalesforceApi',
    data: { instanceUrl, authentication: 'oauth', ...client },
  };
}

/** A CRM Bridge Pipedrive credential with an API token, for the emulator at `baseUrl`. */
export function pipedriveCredential(id: string, apiToken: string, baseUrl: string): N8nCredential {
  return {
    id,
    name: 'Pipedrive emulator',
    type: 'crmBridgePipedriveApi',
    data: { authentication: 'apiToken', apiToken, baseUrl },
  };
}

/** A workflow from ./workflows with each placeholder (e.g. `__COLLECTOR__`) replaced everywhere it stands. */
export function readWorkflow(file: string, replacements: Record<string, string> = {}) {
  let text = readFileSync(path.join(__dirname, 'workflows', file), 'utf8');
  for (const [placeholder, value] of Object.entries(replacements)) text = text.split(placeholder).join(value);
  return JSON.parse(text);
}

/**
 * The credentials of a sync workflow from Salesforce to Pipedrive: the sync state database, the source and the
 * target. Their IDs end in `suffix`, as the workflow file names them (e.g. `crmBridgeSalesforceSync1`).
 */
export function syncCredentials(
  suffix: string,
  urls: { state: string; salesforce: string; pipedrive: string },
  salesforceClient: { clientId: string; clientSecret: string },
  pipedriveToken: string,
): N8nCredential[] {
  return [
    postgresCredential(urls.state, `crmBridgePg${suffix}`, 'CRM Bridge sync state'),
    salesforceCredential(`crmBridgeSalesforce${suffix}`, urls.salesforce, salesforceClient),
    pipedriveCredential(`crmBridgePipedrive${suffix}`, pipedriveToken, urls.pipedrive),
  ];
}

/** Writes records into an emulator through the product's own connector: what the CRM holds before a workflow runs. */
export async function seedThroughConnector(
  crm: 'hubspot' | 'pipedrive',
  environment: Record<string, string>,
  object: string,
  keyProperty: string,
  records: UpsertInput[],
): Promise<void> {
  const connector = await openConnector(crm, loadConnections(undefined, environment));
  await connector.upsert!(object, records, { keyProperty });
}
