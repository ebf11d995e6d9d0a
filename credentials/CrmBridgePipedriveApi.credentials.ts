import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * A Pipedrive company for CRM Bridge: a personal API token, or an OAuth app's client ID and secret with a refresh
 * token (the node refreshes access tokens itself). The node's credential test calls `GET /v1/users/me`.
 */
export class CrmBridgePipedriveApi implements ICredentialType {
  name = 'crmBridgePipedriveApi';

  displayName = 'CRM Bridge Pipedrive API';

  icon: Icon = { light: 'file:icons/pipedrive.svg', dark: 'file:icons/pipedrive.dark.svg' };

  documentationUrl = 'https://pipedrive.readme.io/docs/core-api-concepts-authentication';

  properties: INodeProperties[] = [
    {
      displayName: 'Authentication',
      name: 'authentication',
      type: 'options',
      options: [
        { name: 'API Token', value: 'apiToken' },
        { name: 'OAuth App (Client ID, Secret and Refresh Token)', value: 'oauth' },
      ],
      default: 'apiToken',
    },
    {
      displayName: 'API Token',
      name: 'apiToken',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      displayOptions: { show: { authentication: ['apiToken'] } },
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
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    {
      displayName: 'OAuth URL',
      name: 'oauthUrl',
      type: 'string',
      default: '',
      placeholder: 'https://oauth.pipedrive.com',
      description: 'Token endpoint host; override only for a sandbox',
      displayOptions: { show: { authentication: ['oauth'] } },
    },
    {
      displayName: 'Base URL',
      name: 'baseUrl',
      type: 'string',
      default: '',
      placeholder: 'https://api.pipedrive.com',
      description:
        'Override only for a sandbox or proxy (with OAuth, the company domain from the token answer is used otherwise)',
    },
  ];
}
