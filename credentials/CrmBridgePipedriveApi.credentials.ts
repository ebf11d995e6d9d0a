import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { authenticationField, oauthAppFields, overrideUrlField, shownFor, tokenField } from './shared/auth-fields';

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
    authenticationField([
      { name: 'API Token', value: 'apiToken' },
      { name: 'OAuth App (Client ID, Secret and Refresh Token)', value: 'oauth' },
    ]),
    tokenField('API Token', 'apiToken'),
    ...oauthAppFields(),
    overrideUrlField(
      'OAuth URL',
      'oauthUrl',
      'https://oauth.pipedrive.com',
      'Token endpoint host; override only for a sandbox',
      shownFor('oauth'),
    ),
    overrideUrlField(
      'Base URL',
      'baseUrl',
      'https://api.pipedrive.com',
      'Override only for a sandbox or proxy (with OAuth, the company domain from the token answer is used otherwise)',
    ),
  ];
}
