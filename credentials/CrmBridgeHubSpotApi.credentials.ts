import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** A HubSpot account for CRM Bridge: a private app's access token. */
export class CrmBridgeHubSpotApi implements ICredentialType {
  name = 'crmBridgeHubSpotApi';

  displayName = 'CRM Bridge HubSpot';

  documentationUrl = 'https://developers.hubspot.com/docs/api/private-apps';

  properties: INodeProperties[] = [
    { displayName: 'Access Token', name: 'accessToken', type: 'string', typeOptions: { password: true }, default: '', required: true },
    { displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '', placeholder: 'https://api.hubapi.com', description: 'Override only for a sandbox or proxy' },
  ];
}
