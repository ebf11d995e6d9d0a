import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { authenticationField, oauthAppFields, overrideUrlField, tokenField } from './shared/auth-fields';

/** A HubSpot account for CRM Bridge: a private app's access token, or an OAuth app's client ID, secret and refresh token. */
export class CrmBridgeHubSpotApi implements ICredentialType {
  name = 'crmBridgeHubSpotApi';

  displayName = 'CRM Bridge HubSpot API';

  icon: Icon = { light: 'file:icons/hubspot.svg', dark: 'file:icons/hubspot.dark.svg' };

  documentationUrl = 'https://developers.hubspot.com/docs/api/private-apps';

  properties: INodeProperties[] = [
    authenticationField([
      { name: 'Private App Access Token', value: 'accessToken' },
      { name: 'OAuth App (Client ID, Secret and Refresh Token)', value: 'oauth' },
    ]),
    tokenField('Access Token', 'accessToken'),
    ...oauthAppFields({
      refreshTokenDescription:
        "From the app's installation on the account; access tokens are obtained and renewed with it",
    }),
    overrideUrlField('Base URL', 'baseUrl', 'https://api.hubapi.com', 'Override only for a sandbox or proxy'),
  ];
}
