import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { authenticationField, overrideUrlField, secretField, shownFor, tokenField } from './shared/auth-fields';

/**
 * A Microsoft Dynamics 365 (Dataverse) environment for CRM Bridge: an app registration's client credentials (tenant,
 * client ID and secret, with an application user in the environment), or a ready access token. The node's credential
 * test calls the Web API's `WhoAmI` function.
 */
export class CrmBridgeDynamicsApi implements ICredentialType {
  name = 'crmBridgeDynamicsApi';

  displayName = 'CRM Bridge Dynamics 365 API';

  icon: Icon = { light: 'file:icons/dynamics.svg', dark: 'file:icons/dynamics.dark.svg' };

  documentationUrl = 'https://learn.microsoft.com/en-us/power-apps/developer/data-platform/authenticate-oauth';

  properties: INodeProperties[] = [
    {
      displayName: 'Environment URL',
      name: 'url',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'https://contoso.crm.dynamics.com',
    },
    authenticationField([
      { name: 'Client Credentials (App Registration)', value: 'clientCredentials' },
      { name: 'Access Token', value: 'accessToken' },
    ]),
    {
      displayName: 'Tenant ID',
      name: 'tenantId',
      type: 'string',
      default: '',
      placeholder: '00000000-0000-0000-0000-000000000000',
      description: 'The Microsoft Entra directory (tenant) the app is registered in, or its domain',
      ...shownFor('clientCredentials'),
    },
    {
      displayName: 'Client ID',
      name: 'clientId',
      type: 'string',
      default: '',
      description: "The app registration's application (client) ID",
      ...shownFor('clientCredentials'),
    },
    secretField('Client Secret', 'clientSecret', shownFor('clientCredentials')),
    overrideUrlField(
      'Authority URL',
      'authorityUrl',
      'https://login.microsoftonline.com',
      'Identity platform host the token comes from; override only for a sovereign cloud or a sandbox',
      shownFor('clientCredentials'),
    ),
    tokenField('Access Token', 'accessToken'),
  ];
}
