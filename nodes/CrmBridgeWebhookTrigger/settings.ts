import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { parseWebhookSettings, type WebhookSettings, type WebhookSystem } from '../../core/webhooks';

/** Settings for the one vendor this trigger serves, from the credential; zod rejects an incomplete credential. */
export function settingsFromCredential(
  vendor: WebhookSystem,
  data: ICredentialDataDecryptedObject,
  options: { maxAgeSeconds?: number; publicUrl?: string },
): WebhookSettings {
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string).trim() : '');
  const input: Record<string, unknown> = {};
  if (vendor === 'hubspot')
    input.hubspot = {
      clientSecret: text('hubspotClientSecret'),
      ...(options.maxAgeSeconds ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
    };
  if (vendor === 'pipedrive') input.pipedrive = { user: text('pipedriveUser'), password: text('pipedrivePassword') };
  if (vendor === 'salesforce') input.salesforce = { organizationId: text('salesforceOrganizationId') };
  return parseWebhookSettings(input);
}
