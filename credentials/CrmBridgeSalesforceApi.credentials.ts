import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * A Salesforce org for CRM Bridge: an access token, a connected app's client ID with a secret and/or refresh token, or
 * the JWT bearer flow (client ID, username and the private key whose certificate the connected app holds).
 */
export class CrmBridgeSalesforceApi implements ICredentialType {
  name = 'crmBridgeSalesforceApi';

  displayName = 'CRM Bridge Salesforce API';

  icon: Icon = { light: 'file:icons/salesforce.svg', dark: 'file:icons/salesforce.dark.svg' };

  documentationUrl = 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm';

  properties: INodeProperties[] = [
    {
      displayName: 'Instance URL',
      name: 'instanceUrl',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'https://mycompany.my.salesforce.com',
    },
    {
      displayName: 'Authentication',
      name: 'authentication',
      type: 'options',
      options: [
        { name: 'Access Token', value: 'accessToken' },
        { name: 'Client ID and Secret / Refresh Token (OAuth)', value: 'oauth' },
        { name: 'JWT Bearer (Connected App Certificate)', value: 'jwt' },
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
      displayOptions: { show: { authentication: ['oauth', 'jwt'] } },
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
      description: 'Leave empty to log in with the client credentials flow',
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    {
      displayName: 'Username',
      name: 'username',
      type: 'string',
      default: '',
      placeholder: 'integration@mycompany.com',
      description: 'The Salesforce user the connected app is pre-authorised for (the JWT subject)',
      displayOptions: { show: { authentication: ['jwt'] } },
    },
    {
      displayName: 'Private Key',
      name: 'privateKey',
      type: 'string',
      typeOptions: { password: true, rows: 4 },
      default: '',
      placeholder: '-----BEGIN PRIVATE KEY-----',
      description:
        'PEM private key matching the certificate uploaded to the connected app; assertions are signed with it (RS256)',
      displayOptions: { show: { authentication: ['jwt'] } },
    },
    {
      displayName: 'Login URL',
      name: 'loginUrl',
      type: 'string',
      default: '',
      placeholder: 'https://login.salesforce.com',
      description: 'Token endpoint host, and for JWT bearer the assertion audience; defaults to the instance URL',
      displayOptions: { show: { authentication: ['oauth', 'jwt'] } },
    },
  ];
}
