import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import {
  authenticationField,
  oauthAppFields,
  overrideUrlField,
  secretField,
  shownFor,
  tokenField,
} from './shared/auth-fields';

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
    authenticationField([
      { name: 'Access Token', value: 'accessToken' },
      { name: 'Client ID and Secret / Refresh Token (OAuth)', value: 'oauth' },
      { name: 'JWT Bearer (Connected App Certificate)', value: 'jwt' },
    ]),
    tokenField('Access Token', 'accessToken'),
    ...oauthAppFields({
      clientIdFor: ['oauth', 'jwt'],
      refreshTokenDescription: 'Leave empty to log in with the client credentials flow',
    }),
    {
      displayName: 'Username',
      name: 'username',
      type: 'string',
      default: '',
      placeholder: 'integration@mycompany.com',
      description: 'The Salesforce user the connected app is pre-authorised for (the JWT subject)',
      ...shownFor('jwt'),
    },
    secretField('Private Key', 'privateKey', {
      typeOptions: { password: true, rows: 4 },
      placeholder: '-----BEGIN PRIVATE KEY-----',
      description:
        'PEM private key matching the certificate uploaded to the connected app; assertions are signed with it (RS256)',
      ...shownFor('jwt'),
    }),
    overrideUrlField(
      'Login URL',
      'loginUrl',
      'https://login.salesforce.com',
      'Token endpoint host, and for JWT bearer the assertion audience; defaults to the instance URL',
      shownFor('oauth', 'jwt'),
    ),
  ];
}
