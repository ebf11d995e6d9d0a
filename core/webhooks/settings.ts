import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * What the receiver needs to tell a genuine call from a forged one. A vendor left out is not served (its calls are
 * refused as `not-configured`), so a half-configured receiver never accepts unauthenticated calls.
 */
export const webhookSettingsSchema = z
  .object({
    hubspot: z
      .object({
        /** The app's client secret: the HMAC key of the v3 signature. */
        clientSecret: z.string().min(8, 'hubspot.clientSecret is too short'),
        /** Largest accepted age (and clock skew) of X-HubSpot-Request-Timestamp; HubSpot says 5 minutes. */
        maxAgeSeconds: z.number().int().positive().max(3600).default(300),
        /** Also accept the older v1/v2 signatures, which carry no timestamp (only when the v3 headers are absent). */
        acceptLegacySignatures: z.boolean().default(false),
      })
      .strict()
      .optional(),
    pipedrive: z
      .object({
        /** The HTTP basic auth the webhook was created with (`http_auth_user` / `http_auth_password`). */
        user: z.string().min(1),
        password: z.string().min(8, 'pipedrive.password is too short'),
      })
      .strict()
      .optional(),
    salesforce: z
      .object({
        /** Outbound messages carry no signature: the org ID (15 or 18 characters) is what they are checked against. */
        organizationId: z
          .string()
          .regex(/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, 'salesforce.organizationId must be an org ID (00D…)'),
      })
      .strict()
      .optional(),
    /**
     * The public base URL the vendors call (e.g. `https://crm.example.com`), when a proxy sits in front: HubSpot signs
     * the URL it called, which the receiver otherwise rebuilds from the Host header.
     */
    publicUrl: z.string().url().optional(),
    /** Largest body accepted, in bytes (HubSpot sends at most 100 events per call). */
    maxBodyBytes: z.number().int().positive().default(1_000_000),
  })
  .strict();

export type WebhookSettings = z.output<typeof webhookSettingsSchema>;
export type WebhookSettingsInput = z.input<typeof webhookSettingsSchema>;

export function parseWebhookSettings(input: unknown): WebhookSettings {
  return webhookSettingsSchema.parse(input);
}

/** Settings from a JSON file, with the environment filling what the file leaves out. */
export function loadWebhookSettings(file: string | undefined, env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const fromFile = file ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  if (!merged.hubspot && env.HUBSPOT_CLIENT_SECRET) merged.hubspot = { clientSecret: env.HUBSPOT_CLIENT_SECRET };
  if (!merged.pipedrive && (env.PIPEDRIVE_WEBHOOK_USER || env.PIPEDRIVE_WEBHOOK_PASSWORD)) {
    merged.pipedrive = { user: env.PIPEDRIVE_WEBHOOK_USER ?? '', password: env.PIPEDRIVE_WEBHOOK_PASSWORD ?? '' };
  }
  if (!merged.salesforce && env.SALESFORCE_ORG_ID) merged.salesforce = { organizationId: env.SALESFORCE_ORG_ID };
  if (!merged.publicUrl && env.CRM_BRIDGE_WEBHOOK_PUBLIC_URL) merged.publicUrl = env.CRM_BRIDGE_WEBHOOK_PUBLIC_URL;
  return parseWebhookSettings(merged);
}

/** Every secret in the settings, for redaction of anything that leaves the process. */
export function settingsSecrets(settings: WebhookSettings): string[] {
  return [settings.hubspot?.clientSecret, settings.pipedrive?.password].filter((s): s is string => Boolean(s));
}
