import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, UsageError } from '../errors';
import { readJsonFile } from '../input-file';
import type { Connector } from './connector';

/**
 * Where each CRM is and how to sign in: a connections file (validated here), with the environment filling what the
 * file leaves out. Credentials come only from the caller and never reach messages.
 */
export const ConnectionsSchema = z
  .object({
    salesforce: z
      .object({
        instanceUrl: z.string().url(),
        accessToken: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        refreshToken: z.string().min(1).optional(),
        loginUrl: z.string().url().optional(),
        /** JWT bearer login: the Salesforce username the connected app is pre-authorised for, and its private key. */
        username: z.string().min(1).optional(),
        privateKey: z.string().min(1).optional(),
        privateKeyFile: z.string().min(1).optional(),
        /** The org's Bulk API processing rate, when known: times the first status poll of a process's first job. */
        bulkRecordsPerSecond: z.number().positive().finite().optional(),
      })
      .strict()
      .refine(
        (s) => s.accessToken || s.clientId,
        'give an accessToken, or a clientId (with clientSecret, refreshToken, or username + privateKeyFile) to log in',
      )
      .refine(
        (s) => !s.username === !(s.privateKey || s.privateKeyFile),
        'JWT bearer login needs both username and privateKey (or privateKeyFile)',
      )
      .optional(),
    hubspot: z
      .object({
        accessToken: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        refreshToken: z.string().min(1).optional(),
        baseUrl: z.string().url().optional(),
      })
      .strict()
      .refine(
        (h) => h.accessToken || (h.clientId && h.clientSecret && h.refreshToken),
        'give an accessToken (private app), or clientId, clientSecret and refreshToken (OAuth app)',
      )
      .optional(),
    pipedrive: z
      .object({
        apiToken: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        refreshToken: z.string().min(1).optional(),
        oauthUrl: z.string().url().optional(),
        baseUrl: z.string().url().optional(),
      })
      .strict()
      .refine(
        (p) => p.apiToken || (p.clientId && p.clientSecret && p.refreshToken),
        'give an apiToken, or clientId + clientSecret + refreshToken (OAuth)',
      )
      .optional(),
    dynamics: z
      .object({
        /** The environment, e.g. https://contoso.crm.dynamics.com. */
        url: z.string().url(),
        tenantId: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        /** The identity platform's base URL (sovereign clouds, sandboxes, tests); default login.microsoftonline.com. */
        authorityUrl: z.string().url().optional(),
        accessToken: z.string().min(1).optional(),
      })
      .strict()
      .refine(
        (d) => d.accessToken || (d.tenantId && d.clientId && d.clientSecret),
        'give an accessToken, or tenantId, clientId and clientSecret (client credentials of an app registration)',
      )
      .optional(),
  })
  .strict();
export type Connections = z.infer<typeof ConnectionsSchema>;

export const CONNECTOR_NAMES = ['salesforce', 'hubspot', 'pipedrive', 'dynamics'] as const;
export type ConnectorName = (typeof CONNECTOR_NAMES)[number];

/** The object without its blank entries (undefined or ''), so absent settings fall back to the schema's rules. */
export const drop = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;

/** The environment variables the README documents, as a connections object. */
export function connectionsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return drop({
    salesforce: env.SALESFORCE_INSTANCE_URL
      ? drop({
          instanceUrl: env.SALESFORCE_INSTANCE_URL,
          accessToken: env.SALESFORCE_ACCESS_TOKEN,
          clientId: env.SALESFORCE_CLIENT_ID,
          clientSecret: env.SALESFORCE_CLIENT_SECRET,
          refreshToken: env.SALESFORCE_REFRESH_TOKEN,
          loginUrl: env.SALESFORCE_LOGIN_URL,
          username: env.SALESFORCE_USERNAME,
          privateKeyFile: env.SALESFORCE_PRIVATE_KEY_FILE,
          bulkRecordsPerSecond: env.SALESFORCE_BULK_RECORDS_PER_SECOND
            ? Number(env.SALESFORCE_BULK_RECORDS_PER_SECOND)
            : undefined,
        })
      : undefined,
    hubspot:
      env.HUBSPOT_ACCESS_TOKEN || env.HUBSPOT_REFRESH_TOKEN
        ? drop({
            accessToken: env.HUBSPOT_ACCESS_TOKEN,
            clientId: env.HUBSPOT_CLIENT_ID,
            clientSecret: env.HUBSPOT_CLIENT_SECRET,
            refreshToken: env.HUBSPOT_REFRESH_TOKEN,
            baseUrl: env.HUBSPOT_BASE_URL,
          })
        : undefined,
    pipedrive:
      env.PIPEDRIVE_API_TOKEN || env.PIPEDRIVE_CLIENT_ID
        ? drop({
            apiToken: env.PIPEDRIVE_API_TOKEN,
            clientId: env.PIPEDRIVE_CLIENT_ID,
            clientSecret: env.PIPEDRIVE_CLIENT_SECRET,
            refreshToken: env.PIPEDRIVE_REFRESH_TOKEN,
            oauthUrl: env.PIPEDRIVE_OAUTH_URL,
            baseUrl: env.PIPEDRIVE_BASE_URL,
          })
        : undefined,
    dynamics: env.DYNAMICS_URL
      ? drop({
          url: env.DYNAMICS_URL,
          tenantId: env.DYNAMICS_TENANT_ID,
          clientId: env.DYNAMICS_CLIENT_ID,
          clientSecret: env.DYNAMICS_CLIENT_SECRET,
          authorityUrl: env.DYNAMICS_AUTHORITY_URL,
          accessToken: env.DYNAMICS_ACCESS_TOKEN,
        })
      : undefined,
  });
}

export function loadConnections(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Connections {
  let fromFile: Record<string, unknown> = {};
  if (file) {
    fromFile = readJsonFile(file, 'Connections file') as Record<string, unknown>;
  }
  const fromEnv = connectionsFromEnv(env);
  const merged: Record<string, unknown> = { ...fromEnv };
  for (const [k, v] of Object.entries(fromFile)) merged[k] = { ...((fromEnv[k] as object) ?? {}), ...(v as object) };
  const parsed = ConnectionsSchema.safeParse(merged);
  if (!parsed.success) {
    throw new UsageError(describeIssues(`Invalid connections${file ? ` in ${file}` : ''}`, parsed.error.issues));
  }
  return parsed.data;
}

/** A connector for a CRM named on the command line, from the connections. */
export async function openConnector(name: string, connections: Connections): Promise<Connector> {
  switch (name) {
    case 'salesforce': {
      const c = connections.salesforce;
      if (!c)
        throw new UsageError(
          'No Salesforce connection: set SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN (or a connections file)',
        );
      let privateKey = c.privateKey;
      if (!privateKey && c.privateKeyFile) {
        try {
          privateKey = readFileSync(c.privateKeyFile, 'utf8');
        } catch (error) {
          throw new UsageError(
            `Cannot read the Salesforce private key file ${c.privateKeyFile}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
          );
        }
      }
      // Each vendor's SDK is loaded when its connector is first opened: a command that needs none starts faster.
      const { SalesforceConnector } = await import('./salesforce/index.js');
      return new SalesforceConnector({
        instanceUrl: c.instanceUrl,
        accessToken: c.accessToken,
        oauth: c.clientId
          ? {
              clientId: c.clientId,
              clientSecret: c.clientSecret,
              refreshToken: c.refreshToken,
              loginUrl: c.loginUrl,
              username: c.username,
              privateKey,
            }
          : undefined,
        ...(c.bulkRecordsPerSecond ? { bulk: { expectedRecordsPerSecond: c.bulkRecordsPerSecond } } : {}),
      });
    }
    case 'hubspot': {
      const c = connections.hubspot;
      if (!c)
        throw new UsageError(
          'No HubSpot connection: set HUBSPOT_ACCESS_TOKEN, or HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REFRESH_TOKEN (and HUBSPOT_BASE_URL for a sandbox), or a connections file',
        );
      // An OAuth app when its three values are given (the refine above guarantees all or an access token).
      const oauth =
        c.clientId && c.clientSecret && c.refreshToken
          ? { clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken }
          : undefined;
      const { HubSpotConnector } = await import('./hubspot/index.js');
      return new HubSpotConnector({
        ...(oauth ? { oauth } : { accessToken: c.accessToken }),
        ...(c.baseUrl ? { basePath: c.baseUrl.replace(/\/$/, '') } : {}),
      });
    }
    case 'pipedrive': {
      const c = connections.pipedrive;
      if (!c)
        throw new UsageError(
          'No Pipedrive connection: set PIPEDRIVE_API_TOKEN (or PIPEDRIVE_CLIENT_ID, _CLIENT_SECRET, _REFRESH_TOKEN for OAuth; PIPEDRIVE_BASE_URL for a sandbox), or a connections file',
        );
      const base = c.baseUrl ? { basePath: c.baseUrl.replace(/\/$/, '') } : {};
      const { PipedriveConnector } = await import('./pipedrive/index.js');
      if (c.apiToken) return new PipedriveConnector({ apiToken: c.apiToken, ...base });
      return new PipedriveConnector({
        oauth: {
          clientId: c.clientId!,
          clientSecret: c.clientSecret!,
          refreshToken: c.refreshToken!,
          ...(c.oauthUrl ? { oauthHost: c.oauthUrl.replace(/\/$/, '') } : {}),
        },
        ...base,
      });
    }
    case 'dynamics': {
      const c = connections.dynamics;
      if (!c)
        throw new UsageError(
          'No Dynamics connection: set DYNAMICS_URL and DYNAMICS_TENANT_ID, DYNAMICS_CLIENT_ID, DYNAMICS_CLIENT_SECRET (or DYNAMICS_ACCESS_TOKEN; DYNAMICS_AUTHORITY_URL for a sandbox), or a connections file',
        );
      const { DynamicsConnector } = await import('./dynamics/index.js');
      // Client credentials when all three are given (the refine above guarantees them or an access token).
      return new DynamicsConnector({
        url: c.url,
        ...(c.tenantId && c.clientId && c.clientSecret
          ? {
              credentials: {
                tenantId: c.tenantId,
                clientId: c.clientId,
                clientSecret: c.clientSecret,
                ...(c.authorityUrl ? { authorityUrl: c.authorityUrl } : {}),
              },
            }
          : { accessToken: c.accessToken }),
      });
    }
    default:
      throw new UsageError(`Unknown connector "${name}" (known: ${CONNECTOR_NAMES.join(', ')})`);
  }
}
