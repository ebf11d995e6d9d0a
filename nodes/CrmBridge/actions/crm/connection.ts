import type { ICredentialDataDecryptedObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { Connector } from '../../../../core/connectors/connector';
import { ConnectionsSchema, drop, openConnector } from '../../../../core/connectors/registry';
import { UsageError } from '../../../../core/errors';

export const CRM_CREDENTIALS = {
  salesforce: 'crmBridgeSalesforceApi',
  hubspot: 'crmBridgeHubSpotApi',
  pipedrive: 'crmBridgePipedriveApi',
  dynamics: 'crmBridgeDynamicsApi',
} as const;
export type CrmName = keyof typeof CRM_CREDENTIALS;
const KNOWN = Object.keys(CRM_CREDENTIALS).join(', ');

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The secrets of a credential, for redaction: they must never reach an error message. */
export function credentialSecrets(data: ICredentialDataDecryptedObject | undefined): string[] {
  return ['accessToken', 'clientSecret', 'refreshToken', 'apiToken', 'privateKey']
    .map((k) => text(data?.[k]))
    .filter((s): s is string => !!s);
}

/**
 * The credential's fields `names` (trimmed; empty ones left out) when `shown`: only those the chosen sign-in method
 * shows count, since the others may still hold what was typed for another method.
 */
const fields = (data: ICredentialDataDecryptedObject, shown: boolean, ...names: string[]) =>
  shown ? drop(Object.fromEntries(names.map((name) => [name, text(data[name])]))) : {};

/** A connector built from an n8n credential's fields (never from environment variables). */
export async function connectorFromCredential(crm: string, data: ICredentialDataDecryptedObject): Promise<Connector> {
  const oauth = data.authentication === 'oauth';
  const oauthApp = fields(data, oauth, 'clientId', 'clientSecret', 'refreshToken');
  let connections: unknown;
  if (crm === 'salesforce') {
    const jwt = data.authentication === 'jwt';
    connections = {
      salesforce: {
        ...fields(data, true, 'instanceUrl'),
        ...fields(data, !oauth && !jwt, 'accessToken'),
        ...fields(data, oauth || jwt, 'clientId', 'loginUrl'),
        ...fields(data, oauth, 'clientSecret', 'refreshToken'),
        ...fields(data, jwt, 'username', 'privateKey'),
      },
    };
  } else if (crm === 'hubspot') {
    connections = {
      hubspot: { ...fields(data, !oauth, 'accessToken'), ...oauthApp, ...fields(data, true, 'baseUrl') },
    };
  } else if (crm === 'pipedrive') {
    connections = {
      pipedrive: {
        ...fields(data, !oauth, 'apiToken'),
        ...oauthApp,
        ...fields(data, oauth, 'oauthUrl'),
        ...fields(data, true, 'baseUrl'),
      },
    };
  } else if (crm === 'dynamics') {
    const clientCredentials = data.authentication !== 'accessToken';
    connections = {
      dynamics: {
        ...fields(data, true, 'url'),
        ...fields(data, clientCredentials, 'tenantId', 'clientId', 'clientSecret', 'authorityUrl'),
        ...fields(data, !clientCredentials, 'accessToken'),
      },
    };
  } else {
    throw new UsageError(`Unknown CRM "${crm}" (known: ${KNOWN})`);
  }
  const parsed = ConnectionsSchema.safeParse(connections);
  if (!parsed.success)
    throw new UsageError(
      `Invalid ${crm} credential: ${parsed.error.issues.map((i) => `${i.path.slice(1).join('.')}: ${i.message}`).join('; ')}`,
    );
  return openConnector(crm, parsed.data);
}

/** The connector of the CRM chosen on the node, with its credential's secrets for redaction. */
export async function openCrm(fns: IExecuteFunctions): Promise<{ connector: Connector; secrets: string[] }> {
  const crm = fns.getNodeParameter('crm', 0) as CrmName;
  const credentialType = CRM_CREDENTIALS[crm];
  if (!credentialType) throw new UsageError(`Unknown CRM "${crm}" (known: ${KNOWN})`);
  const data = await fns.getCredentials(credentialType);
  const secrets = credentialSecrets(data);
  return { connector: await connectorFromCredential(crm, data), secrets };
}

/** The CRMs a node parameter can name, in the order the UI lists them. */
export const CRM_OPTIONS = [
  { name: 'Salesforce', value: 'salesforce' },
  { name: 'HubSpot', value: 'hubspot' },
  { name: 'Pipedrive', value: 'pipedrive' },
  { name: 'Dynamics 365', value: 'dynamics' },
];

export const crmProperties: INodeProperties[] = [
  {
    displayName: 'CRM',
    name: 'crm',
    type: 'options',
    options: CRM_OPTIONS,
    default: 'hubspot',
    description: 'Which CRM to work on; choose its credential below',
    displayOptions: { show: { resource: ['crm'] } },
  },
  {
    displayName: 'Object',
    name: 'crmObject',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'companies',
    description:
      'Salesforce sObject (Account, Contact, Loan__c), HubSpot object (companies, contacts, deals), Pipedrive object (persons, organizations, deals) or Dynamics 365 table (account, contact)',
    displayOptions: { show: { resource: ['crm'] } },
  },
];
