import type { z } from 'zod';
import { describeIssues } from '../errors';

/**
 * A vendor's reply checked against the shape a connector reads. A reply that does not fit fails with the connector's
 * own error (so the CLI classifies it as a CRM problem and it is not retried: the same answer would come back),
 * naming the endpoint and each field's path.
 */
export function parseVendorReply<S extends z.ZodType>(
  schema: S,
  body: unknown,
  endpoint: string,
  toError: (message: string) => Error,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw toError(describeIssues(`${endpoint} returned an unexpected body`, parsed.error.issues));
}
