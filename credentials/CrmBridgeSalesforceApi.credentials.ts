import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** A Salesforce org for CRM Bridge: an access token, or a connected app's client ID with a secret and/or refresh token. */
export class CrmBridgeSalesforceApi implements ICredentialType {
  name = 'crmBridgeSalesforceApi';

  displayName = 'CRM Bridge Salesforce';

  documentationUrl = 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm';

  properties: INodeProperties[] = [
    { displayName: 'Instance URL', name: 'instanceUrl', type: 'string', default: '', required: true, placeholder: 'https://mycompany.my.salesforce.com' },
    {
      displayName: 'Authentication',
      name: 'authentication',
      type: 'options',
      options: [
        { name: 'Access Token', value: 'accessToken' },
        { name: 'Client ID and Secret / Refresh Token (OAuth)', value: 'oauth' },
      ],
      default: 'accessToken',
    },
    { displayName: 'Access Token', name: 'accessToken', type: 'string', typeOptions: { password: true }, default: '', displayOptions: { show: { authentication: ['accessToken'] } } },
    { displayName: 'Client ID', name: 'clientId', type: 'string', default: '', displayOptions: { show: { authentication: ['oauth'] } } },
    { displayName: 'Client Secret', name: 'clientSecret', type: 'string', typeOptions: { password: true }, default: '', displayOptions: { show: { authentication: ['oauth'] } } },
    {
      displayName: 'Refresh Token',
      name: 'refreshToken',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'Leave empty to log in with the client credentials flow',
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    { displayName: 'Login URL', name: 'loginUrl', type: 'string', default: '', placeholder: 'https://login.salesforce.com', description: 'Token endpoint host; defaults to the instance URL', displayOptions: { show: { authentication: ['oauth'] } } },
  ];
}
