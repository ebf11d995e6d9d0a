import { z } from 'zod';
import { parseVendorReply } from '../vendor-reply';
import { SalesforceError } from './errors';

/*
 * The raw shapes the connector reads from Salesforce, parsed where each answer arrives: only the fields it uses are
 * checked and every object is loose, so fields Salesforce adds pass through, while a field it drops or retypes fails
 * with the endpoint and the field's path instead of travelling on as `undefined`.
 */

/** A field as `GET /sobjects/{object}/describe` reports it (the part the connector uses). */
export const DescribeField = z.looseObject({
  name: z.string(),
  label: z.string().nullish(),
  type: z.string(),
  nillable: z.boolean().nullish(),
  unique: z.boolean().nullish(),
  externalId: z.boolean().nullish(),
  updateable: z.boolean().nullish(),
  createable: z.boolean().nullish(),
  defaultedOnCreate: z.boolean().nullish(),
  calculated: z.boolean().nullish(),
  inlineHelpText: z.string().nullish(),
  picklistValues: z.array(z.looseObject({ value: z.string(), active: z.boolean().nullish() })).nullish(),
});
export type DescribeField = z.infer<typeof DescribeField>;

export const DescribeResult = z.looseObject({ name: z.string(), fields: z.array(DescribeField) });
export type DescribeResult = z.infer<typeof DescribeResult>;

export const DescribeGlobal = z.looseObject({
  sobjects: z.array(z.looseObject({ name: z.string(), queryable: z.boolean().nullish() })),
});

export const Limits = z.looseObject({
  DailyApiRequests: z.looseObject({ Max: z.number(), Remaining: z.number() }).nullish(),
});

/** One page of `GET /query` (and of its `nextRecordsUrl`). */
export const QueryPage = z.looseObject({
  done: z.boolean(),
  nextRecordsUrl: z.string().nullish(),
  records: z.array(z.looseObject({ Id: z.string(), SystemModstamp: z.string().nullish() })),
});

const RecordError = z.looseObject({
  statusCode: z.string().optional(),
  message: z.string().optional(),
  fields: z.array(z.string()).optional(),
});

/** The answer of an sObject Collections upsert: one result per record sent, in order. */
export const CollectionResults = z.array(
  z.looseObject({
    id: z.string().nullish(),
    success: z.boolean(),
    created: z.boolean().nullish(),
    errors: z.array(RecordError).nullish(),
  }),
);

/** A Bulk API 2.0 ingest job as `GET /jobs/ingest/{id}` reports it. */
export const JobInfo = z.looseObject({
  id: z.string(),
  state: z.string(),
  numberRecordsProcessed: z.number().nullish(),
  numberRecordsFailed: z.number().nullish(),
  totalProcessingTime: z.number().nullish(),
  errorMessage: z.string().nullish(),
});
export type JobInfo = z.infer<typeof JobInfo>;

/** Rows of a job's results CSV, keyed by column; the record's own columns (its key among them) pass through. */
export const SuccessfulRows = z.array(z.looseObject({ sf__Id: z.string().nullish(), sf__Created: z.string() }));
export const FailedRows = z.array(z.looseObject({ sf__Error: z.string() }));
export const UnprocessedRows = z.array(z.record(z.string(), z.unknown()));

/** What a change event says changed: a record change, a gap (no field values) or an overflow (no record IDs). */
export const ChangeType = z.enum([
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
]);
export type ChangeType = z.infer<typeof ChangeType>;

/** A change event as the Streaming API (CometD) delivers it on a `/data/...ChangeEvent` channel. */
export const ChangeEventMessage = z.looseObject({
  channel: z.string(),
  data: z.looseObject({
    event: z.looseObject({ replayId: z.number().int() }),
    payload: z.looseObject({
      ChangeEventHeader: z.looseObject({
        entityName: z.string().min(1),
        changeType: ChangeType,
        recordIds: z.array(z.string()),
        changedFields: z.array(z.string()).nullish(),
        commitTimestamp: z.number(),
        transactionKey: z.string().min(1),
        sequenceNumber: z.number().int(),
        commitUser: z.string().nullish(),
      }),
    }),
  }),
});

/**
 * `body` checked against `schema`; otherwise a SalesforceError (code BAD_RESPONSE, not transient: the same answer
 * would come back) naming the endpoint and each field's path, e.g.
 * `Salesforce GET /services/data/v60.0/query returned an unexpected body: records[3].Id: Invalid input: expected string`.
 */
export function parseReply<S extends z.ZodType>(schema: S, body: unknown, endpoint: string): z.output<S> {
  return parseVendorReply(
    schema,
    body,
    `Salesforce ${endpoint}`,
    (message) => new SalesforceError(message, 'BAD_RESPONSE'),
  );
}
