import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/** A HubSpot account for CRM Bridge: a private app's access token, or an OAuth app's client ID, secret and refresh token. */
export class CrmBridgeHubSpotApi implements ICredentialType {
  name = 'crmBridgeHubSpotApi';

  displayName = 'CRM Bridge HubSpot API';

  icon: Icon = { light: 'file:icons/hubspot.svg', dark: 'file:icons/hubspot.dark.svg' };

  documentationUrl = 'https://developers.hubspot.com/docs/api/private-apps';

  properties: INodeProperties[] = [
    {
      displayName: 'Authentication',
      name: 'authentication',
      type: 'options',
      options: [
        { name: 'Private App Access Token', value: 'accessToken' },
        { name: 'OAuth App (Client ID, Secret and Refresh Token)', value: 'oauth' },
      ],
      default: 'accessToken',
    },
    {
      displayName: 'Access Token',
      name: 'accessToken',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      displayOptions: { show: { authentication: ['accessToken'] } },
    },
    {
      displayName: 'Client ID',
      name: 'clientId',
      type: 'string',
      default: '',
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    {
      displayName: 'Client Secret',
      name: 'clientSecret',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    {
      displayName: 'Refresh Token',
      name: 'refreshToken',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: "From the app's installation on the account; access tokens are obtained and renewed with it",
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    {
      displayName: 'Base URL',
      name: 'baseUrl',
      type: 'string',
      default: '',
      placeholder: 'https://api.hubapi.com',
      description: 'Override only for a sandbox or proxy',
    },
  ];
}
