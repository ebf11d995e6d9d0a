import { z } from 'zod';
import { UsageError } from '../errors';

/**
 * An opaque page cursor: the keyset position of the last row given, as base64url JSON, so clients pass it back
 * unchanged and a list can change its key without breaking them. A cursor this server did not make is refused
 * with the fix, never read as "from the start" (which would repeat rows).
 */
export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.infer<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = schema.safeParse(parsed);
  if (!result.success)
    throw new UsageError(
      `the cursor "${cursor.slice(0, 80)}" is not one this server gave; pass the previous page's nextCursor back unchanged, or leave it out to start at the beginning`,
    );
  return result.data;
}
