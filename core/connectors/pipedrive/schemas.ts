import { z } from 'zod';
import { parseVendorReply } from '../vendor-reply';
import { PipedriveError } from './errors';

/*
 * The raw shapes the connector reads from Pipedrive, parsed where each answer arrives: only the fields it uses are
 * checked and every object is loose, so fields Pipedrive adds pass through, while a field it drops or retypes fails
 * with the endpoint and the field's path instead of travelling on as `undefined`.
 */

const AdditionalData = z
  .looseObject({
    next_cursor: z.string().nullish(),
    pagination: z
      .looseObject({ more_items_in_collection: z.boolean().nullish(), next_start: z.number().nullish() })
      .nullish(),
  })
  .nullish();

/** A v1 field definition (`GET /v1/personFields` and the like). */
export const RawField = z.looseObject({
  key: z.string(),
  name: z.string(),
  field_type: z.string(),
  edit_flag: z.boolean().nullish(),
  // Documented as a boolean; some accounts answer an object of conditions for it, which also means "required".
  mandatory_flag: z.union([z.boolean(), z.record(z.string(), z.unknown())]).nullish(),
  options: z.array(z.looseObject({ id: z.union([z.number(), z.string()]), label: z.string() })).nullish(),
});
export type RawField = z.infer<typeof RawField>;

export const FieldPage = z.looseObject({ data: z.array(RawField).nullish(), additional_data: AdditionalData });

/** A v2 record (person, organization, deal, activity). */
export const RawRecord = z.looseObject({
  id: z.number().int(),
  update_time: z.string(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
});
export type RawRecord = z.infer<typeof RawRecord>;

export const RecordPage = z.looseObject({ data: z.array(RawRecord).nullish(), additional_data: AdditionalData });
export type RecordPage = z.infer<typeof RecordPage>;

/** The answer of an add or update: the record written (only its ID is read). */
export const WriteReply = z.looseObject({ data: z.looseObject({ id: z.number().int() }).nullish() });

export const SearchReply = z.looseObject({
  data: z
    .looseObject({ items: z.array(z.looseObject({ item: z.looseObject({ id: z.number().int() }) })).nullish() })
    .nullish(),
});

const Named = z.looseObject({ id: z.number().int(), name: z.string() });
/** `GET /api/v2/pipelines` and `GET /api/v2/stages`. */
export const NamedList = z.looseObject({ data: z.array(Named).nullish() });

/** `POST /oauth/token` as the SDK hands it to `onTokenUpdate`. */
export const TokenAnswer = z.looseObject({
  access_token: z.string().nullish(),
  refresh_token: z.string().nullish(),
  expires_in: z.number().nullish(),
  api_domain: z.string().nullish(),
});
export type TokenAnswer = z.infer<typeof TokenAnswer>;

/**
 * `body` checked against `schema`; otherwise a PipedriveError naming the endpoint and each field's path, e.g.
 * `Pipedrive GET /api/v2/persons returned an unexpected body: data[3].update_time: Invalid input: expected string`.
 * It has no status, is raised after the call's retries and is not retried: the same answer would come back.
 */
export function parseReply<S extends z.ZodType>(schema: S, body: unknown, endpoint: string): z.output<S> {
  return parseVendorReply(schema, body, `Pipedrive ${endpoint}`, (message) => new PipedriveError(message));
}
