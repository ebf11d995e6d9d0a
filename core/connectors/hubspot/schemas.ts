import { z } from 'zod';
import { parseVendorReply } from '../vendor-reply';
import { HubSpotError } from './errors';

/*
 * The raw shapes the connector reads from HubSpot (as the SDK hands them over after its own deserialisation), parsed
 * where each answer arrives: only the fields it uses are checked and every object is loose, so fields HubSpot adds
 * pass through, while a field it drops or retypes fails with the endpoint and the field's path instead of travelling
 * on as `undefined`.
 */

/** A property as `GET /crm/v3/properties/{objectType}` lists it (the parts the connector reads). */
export const RawProperty = z.looseObject({
  name: z.string(),
  label: z.string().optional(),
  type: z.string(),
  fieldType: z.string(),
  description: z.string().optional(),
  hasUniqueValue: z.boolean().optional(),
  options: z.array(z.looseObject({ value: z.string(), hidden: z.boolean().optional() })).optional(),
  modificationMetadata: z.looseObject({ readOnlyValue: z.boolean().optional() }).optional(),
  calculated: z.boolean().optional(),
});
export type RawProperty = z.infer<typeof RawProperty>;

export const PropertyList = z.looseObject({ results: z.array(RawProperty) });

/** A record as the v3 object endpoints return it (the parts the connector reads); the SDK makes `updatedAt` a Date. */
export const RawRecord = z.looseObject({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  updatedAt: z.union([z.date(), z.string()]),
});
export type RawRecord = z.infer<typeof RawRecord>;

const Paging = z.looseObject({ next: z.looseObject({ after: z.string() }).optional() }).optional();

/** A page of the list or search endpoint. */
export const RecordPage = z.looseObject({ results: z.array(RawRecord), paging: Paging });

/** The answer of `batch/read`. */
export const RecordBatch = z.looseObject({ results: z.array(RawRecord) });

/** The answer of `batch/upsert`: the records written, and on a 207 HubSpot's objections with the keys they concern. */
export const UpsertBatch = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      _new: z.boolean().optional(),
      properties: z.record(z.string(), z.string().nullable()),
    }),
  ),
  errors: z
    .array(z.looseObject({ message: z.string(), context: z.record(z.string(), z.array(z.string())).optional() }))
    .optional(),
});

/**
 * `body` checked against `schema`; otherwise a HubSpotError (category BAD_RESPONSE; raised after the call's retries,
 * and not retried: the same answer would come back) naming the endpoint and each field's path, e.g.
 * `HubSpot GET /crm/v3/objects/contacts returned an unexpected body: results[3].updatedAt: Invalid input: ...`.
 */
export function parseReply<S extends z.ZodType>(schema: S, body: unknown, endpoint: string): z.output<S> {
  return parseVendorReply(
    schema,
    body,
    `HubSpot ${endpoint}`,
    (message) => new HubSpotError(message, undefined, 'BAD_RESPONSE'),
  );
}
