import { z } from 'zod';
import { parseVendorReply } from '../vendor-reply';
import { DynamicsError } from './errors';

/*
 * The raw shapes the connector reads from Dataverse, parsed where each answer arrives. Objects are loose, so columns
 * Dataverse adds pass through, while one it drops or retypes fails with the endpoint and the field's path.
 */

const Label = z.looseObject({ UserLocalizedLabel: z.looseObject({ Label: z.string() }).nullish() }).nullish();

export const EntityReply = z.looseObject({
  LogicalName: z.string(),
  EntitySetName: z.string(),
  PrimaryIdAttribute: z.string(),
  PrimaryNameAttribute: z.string().nullish(),
  ChangeTrackingEnabled: z.boolean().nullish(),
  Keys: z
    .array(
      z.looseObject({
        LogicalName: z.string(),
        KeyAttributes: z.array(z.string()),
        EntityKeyIndexStatus: z.string().nullish(),
      }),
    )
    .nullish(),
});
export type EntityReply = z.infer<typeof EntityReply>;

/** `GET EntityDefinitions?$select=LogicalName,EntitySetName`. */
export const EntityList = z.looseObject({
  value: z.array(z.looseObject({ LogicalName: z.string(), EntitySetName: z.string() })),
});

export const RawAttribute = z.looseObject({
  LogicalName: z.string(),
  AttributeType: z.string(),
  IsCustomAttribute: z.boolean().nullish(),
  IsPrimaryId: z.boolean().nullish(),
  IsValidForCreate: z.boolean().nullish(),
  IsValidForUpdate: z.boolean().nullish(),
  RequiredLevel: z.looseObject({ Value: z.string() }).nullish(),
  DisplayName: Label,
  Description: Label,
  MaxLength: z.number().nullish(),
  Format: z.string().nullish(),
  /** Lookups: the tables the lookup can point at (`LookupAttributeMetadata.Targets`). */
  Targets: z.array(z.string()).nullish(),
});
export type RawAttribute = z.infer<typeof RawAttribute>;

export const AttributesReply = z.looseObject({ value: z.array(RawAttribute) });

export const PicklistReply = z.looseObject({
  value: z.array(
    z.looseObject({
      LogicalName: z.string(),
      OptionSet: z.looseObject({ Options: z.array(z.looseObject({ Value: z.number().int(), Label })) }).nullish(),
    }),
  ),
});

/** A row of a table as the SDK hands it over: times already turned into Dates by its date reviver. */
export const recordSchema = (primaryId: string) => z.looseObject({ [primaryId]: z.string(), modifiedon: z.date() });

/** A `$deletedEntity` entry of a delta read. */
export const DeletedEntry = z.looseObject({
  '@odata.context': z.string().regex(/\$deletedEntity$/),
  id: z.string(),
  reason: z.string().nullish(),
});

export const isDeletedEntry = (item: unknown): boolean =>
  !!item &&
  typeof item === 'object' &&
  String((item as Record<string, unknown>)['@odata.context'] ?? '').endsWith('$deletedEntity');

export const pageSchema = (primaryId: string) =>
  z
    .looseObject({
      value: z.array(z.unknown()),
      oDataNextLink: z.string().nullish(),
      oDataDeltaLink: z.string().nullish(),
    })
    .transform((page, ctx) => {
      const rows = recordSchema(primaryId);
      const items = page.value.map((item, i) => {
        const parsed = (isDeletedEntry(item) ? DeletedEntry : rows).safeParse(item);
        if (!parsed.success)
          for (const issue of parsed.error.issues)
            ctx.addIssue({ ...issue, path: ['value', i, ...issue.path] } as never);
        return parsed.success ? parsed.data : null;
      });
      return { ...page, value: items };
    });

export const WhoAmIReply = z.looseObject({ UserId: z.string() });

/** The identity platform's client-credentials answer. */
export const TokenReply = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number(),
  token_type: z.string(),
});

/** The identity platform's refusal. */
export const TokenError = z.looseObject({ error: z.string(), error_description: z.string().nullish() });

/**
 * `body` checked against `schema`; otherwise a DynamicsError naming the endpoint and each field's path, e.g.
 * `Dynamics GET /api/data/v9.2/accounts returned an unexpected body: value[3].modifiedon: Invalid input: expected date`.
 * Not retried: the same answer would come back.
 */
export function parseReply<S extends z.ZodType>(schema: S, body: unknown, endpoint: string): z.output<S> {
  return parseVendorReply(schema, body, `Dynamics ${endpoint}`, (message) => new DynamicsError(message));
}
