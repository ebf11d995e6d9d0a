import { z } from 'zod';

/**
 * An ID as clients send it: legacy CRMs number their records and models (and the MCP Inspector's `--tool-arg id=1000`)
 * send such IDs as JSON numbers, so a number is taken as its text. A number past 2^53 has already lost digits in
 * the client's JSON, so it is refused with the fix named rather than looked up under a wrong ID.
 */
export const IdSchema = z
  .union([
    z.string(),
    z.number().refine(Number.isSafeInteger, {
      message: 'a numeric ID must be a whole number below 2^53; send longer or decimal IDs as text (in quotes)',
    }),
  ])
  .transform((v) => String(v).trim())
  .pipe(z.string().min(1, 'an ID cannot be blank').max(255, 'an ID is at most 255 characters'));

export const LegacyIdSchema = IdSchema.describe('ID of the record in the legacy CRM (text or a whole number)');
