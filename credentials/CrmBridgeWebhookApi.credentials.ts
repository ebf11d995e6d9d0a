import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * What the CRM Bridge webhook trigger checks incoming calls against. Fill in the fields of the vendor the trigger
 * serves; a vendor left empty is refused (nothing unauthenticated is ever accepted).
 */
export class CrmBridgeWebhookApi implements ICredentialType {
  name = 'crmBridgeWebhookApi';

  displayName = 'CRM Bridge Webhook Secrets API';

  icon: Icon = { light: 'file:icons/webhook.svg', dark: 'file:icons/webhook.dark.svg' };

  documentationUrl = 'https://developers.hubspot.com/docs/api/webhooks/validating-requests';

  properties: INodeProperties[] = [
    {
      displayName: 'HubSpot Client Secret',
      name: 'hubspotClientSecret',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: "The app's client secret: HubSpot signs each call with it (X-HubSpot-Signature-v3)",
    },
    {
      displayName: 'Pipedrive Basic Auth User',
      name: 'pipedriveUser',
      type: 'string',
      default: '',
      description: 'The http_auth_user the Pipedrive webhook was created with',
    },
    {
      displayName: 'Pipedrive Basic Auth Password',
      name: 'pipedrivePassword',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'The http_auth_password the Pipedrive webhook was created with',
    },
    {
      displayName: 'Salesforce Organization ID',
      name: 'salesforceOrganizationId',
      type: 'string',
      default: '',
      placeholder: '00D5g000004XyZaEAK',
      description: 'Outbound messages from any other org are refused',
    },
  ];
}
