import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { z } from 'zod';
import type { DatabaseOptions } from '../../../core/db/database';

export const PostgresCredentialSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().default(''),
  ssl: z.enum(['disable', 'require', 'verify-full']).default('disable'),
});

/** Builds the connection URL from a credential; components are encoded so any password works. */
export function credentialToUrl(data: ICredentialDataDecryptedObject): string {
  const c = PostgresCredentialSchema.parse(data);
  const auth = c.password
    ? `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}`
    : encodeURIComponent(c.user);
  const ssl = c.ssl === 'disable' ? '' : `?sslmode=${c.ssl}`;
  return `postgres://${auth}@${c.host}:${c.port}/${encodeURIComponent(c.database)}${ssl}`;
}

export function databaseOptions(
  kind: 'embedded' | 'server',
  dataFolder: string,
  credential?: ICredentialDataDecryptedObject,
): DatabaseOptions {
  if (kind === 'server') {
    if (!credential) throw new Error('Choose a CRM Bridge PostgreSQL credential, or use the embedded database');
    return { url: credentialToUrl(credential) };
  }
  return { home: dataFolder };
}
