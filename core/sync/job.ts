import { z } from 'zod';
import { ConflictRulesSchema } from '../conflicts/schemas';
import { PropertyMappingSchema } from '../mapping/mapping-config';
import { TransformDefaultsSchema } from '../mapping/transforms';
import { UsageError } from '../errors';

/**
 * Connectors a sync job can name; their connections (credentials) come from the caller, never from the job.
 * `postgres` is a CRM mirror in crm-bridge's own database, the target of `crm-bridge mirror` (not of a job file).
 */
export const SyncSystemSchema = z.enum(['salesforce', 'hubspot', 'pipedrive', 'dynamics', 'postgres']);
export type SyncSystem = z.infer<typeof SyncSystemSchema>;

const Name = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, _ or - (e.g. loans-to-deals)');
const Field = z.string().min(1).max(255);

/** One condition on a source record; a stream's conditions must all hold. Values compare as trimmed text. */
export const FilterConditionSchema = z
  .object({
    field: Field,
    op: z.enum(['eq', 'ne', 'in', 'notIn', 'empty', 'notEmpty']),
    value: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const list = c.op === 'in' || c.op === 'notIn';
    const none = c.op === 'empty' || c.op === 'notEmpty';
    if (none && c.value !== undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" takes no value` });
    if (!none && c.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" needs a value` });
    if (list && c.value !== undefined && !Array.isArray(c.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" needs a list of values` });
    if (!list && Array.isArray(c.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" takes one value, not a list` });
  });
export type FilterCondition = z.infer<typeof FilterConditionSchema>;

/** A field of a source record that holds the source ID of a record of another stream (a loan's borrower). */
export const ReferenceSchema = z
  .object({
    /** Source field holding the parent's source ID, e.g. `Primary_Borrower__c`. */
    from: Field,
    /** The stream that syncs the parent, e.g. `borrowers`. */
    stream: Name,
    /** Target property that receives the parent's target ID, e.g. Pipedrive's `person_id`. */
    to: Field,
    /** Without a parent the record waits (deferred) when required; otherwise it is written without the link. */
    required: z.boolean().default(true),
  })
  .strict();
export type Reference = z.infer<typeof ReferenceSchema>;

export const StreamSchema = z
  .object({
    name: Name,
    source: z
      .object({
        object: Field,
        filter: z.array(FilterConditionSchema).default([]),
        /**
         * `all`: every record that passes the filter. `referenced`: only records another stream points at (a loan's
         * borrower), fetched by ID when first needed; later changes to them flow through this stream's cursor.
         */
        scope: z.enum(['all', 'referenced']).default('all'),
        /**
         * Salesforce Change Data Capture for `crm-bridge serve --job`: `true` subscribes to the object's channel
         * (`Loan__c` -> `/data/Loan__ChangeEvent`), or name the channel (`/data/ChangeEvents`). Each event wakes the
         * job at once; polling stays as the fallback and the catch-up.
         */
        changeEvents: z
          .union([z.boolean(), z.string().regex(/^\/data\/\w+$/, 'a channel such as /data/Loan__ChangeEvent')])
          .optional(),
        /**
         * Two-way: the source field (an external ID) that holds the target record's ID. With it, records people make
         * in the target are created in the source, upserted by this field; without it they are left alone.
         */
        key: Field.optional(),
      })
      .strict(),
    target: z
      .object({
        object: Field,
        /** Target property that holds the source record's ID: the external ID every upsert goes by. */
        key: Field,
      })
      .strict(),
    properties: z.array(PropertyMappingSchema).min(1, 'map at least one property'),
    references: z.array(ReferenceSchema).default([]),
    /**
     * What a record deleted in the source does to its linked target record: `nothing` (default), `delete` (HubSpot
     * archives), or `flag` (sets `deleteFlag.field` to `deleteFlag.value`). Two-way jobs apply `delete` both ways.
     */
    onDelete: z.enum(['nothing', 'delete', 'flag']).default('nothing'),
    deleteFlag: z.object({ field: Field, value: z.string().nullable() }).strict().optional(),
    /**
     * The mass-delete guard: a run that would delete (or flag) more than this share of the stream's linked records
     * deletes nothing and stops, unless the caller allows it (`--allow-mass-delete`). 0.1 = 10 %.
     */
    maxDeleteShare: z.number().min(0).max(1).default(0.1),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.onDelete === 'flag' && !s.deleteFlag)
      ctx.addIssue({
        code: 'custom',
        path: ['deleteFlag'],
        message: 'onDelete "flag" needs deleteFlag: { field, value } (the target field to set and its value)',
      });
    if (s.onDelete !== 'flag' && s.deleteFlag)
      ctx.addIssue({ code: 'custom', path: ['deleteFlag'], message: 'deleteFlag is used only with onDelete "flag"' });
  });
export type Stream = z.infer<typeof StreamSchema>;

export const SyncJobSchema = z
  .object({
    version: z.literal(1).default(1),
    name: Name,
    source: SyncSystemSchema,
    target: SyncSystemSchema,
    direction: z.enum(['one-way', 'two-way']).default('one-way'),
    /** Parents first is not required: the engine orders streams by their references. */
    streams: z.array(StreamSchema).min(1, 'define at least one stream'),
    /** Value maps shared by several properties, e.g. Salesforce loan stages -> Pipedrive stage names. */
    valueMaps: z.record(z.string(), z.record(z.string(), z.string().nullable())).default({}),
    transformDefaults: TransformDefaultsSchema.default({}),
    /** How concurrent edits on both sides are settled (two-way). Source names are `source` and `target`. */
    conflicts: ConflictRulesSchema.optional(),
    /** Records read, planned and written together; the cursor advances once per committed batch. */
    batchSize: z.number().int().min(1).max(2000).default(100),
    /**
     * Seconds read again before the cursor on each run. Salesforce and Pipedrive stamp changes to the second, so a
     * change in the cursor's second to a record with a smaller ID needs at least 1; more covers late commits.
     */
    lookbackSeconds: z.number().int().min(0).max(3600).default(5),
    /** Attempts at a deferred or failed record before it is left for a person to look at. */
    maxAttempts: z.number().int().min(1).max(100).default(5),
    /** For `crm-bridge sync --watch`: seconds between polls. n8n users schedule with n8n's own triggers instead. */
    schedule: z
      .object({ everySeconds: z.number().int().min(1).max(86_400) })
      .strict()
      .optional(),
    /**
     * Requests per interval of each CRM account, shared through Postgres by every process running jobs on it, so
     * N workers together stay under the vendor's limit. Absent: each process only obeys the API's own headers.
     */
    rateBudgets: z
      .partialRecord(
        SyncSystemSchema,
        z.object({ requests: z.number().int().min(1), perMs: z.number().int().min(100) }).strict(),
      )
      .default({}),
  })
  .strict()
  .superRefine((job, ctx) => {
    if (job.source === job.target)
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'source and target must be different systems' });
    job.streams.forEach((s, i) => {
      if (s.source.key && job.direction !== 'two-way')
        ctx.addIssue({
          code: 'custom',
          path: ['streams', i, 'source', 'key'],
          message: 'source.key creates records made in the target in the source: it needs "direction": "two-way"',
        });
      if (s.source.changeEvents && job.source !== 'salesforce')
        ctx.addIssue({
          code: 'custom',
          path: ['streams', i, 'source', 'changeEvents'],
          message: `change events come from Salesforce Change Data Capture; this job's source is ${job.source}`,
        });
    });
    const names = new Set<string>();
    job.streams.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['streams', i, 'name'], message: `stream "${s.name}" is defined twice` });
      names.add(s.name);
    });
    job.streams.forEach((s, i) =>
      s.references.forEach((r, j) => {
        if (!names.has(r.stream))
          ctx.addIssue({
            code: 'custom',
            path: ['streams', i, 'references', j, 'stream'],
            message: `no stream named "${r.stream}" (have: ${[...names].join(', ')})`,
          });
        if (r.stream === s.name)
          ctx.addIssue({
            code: 'custom',
            path: ['streams', i, 'references', j, 'stream'],
            message: 'a stream cannot reference itself',
          });
      }),
    );
    job.streams.forEach((s, i) =>
      s.properties.forEach((p, j) =>
        p.transform.forEach((t, k) => {
          if (typeof t !== 'string' && t.type === 'map' && t.ref !== undefined && !(t.ref in job.valueMaps)) {
            ctx.addIssue({
              code: 'custom',
              path: ['streams', i, 'properties', j, 'transform', k, 'ref'],
              message: `value map "${t.ref}" is not defined in valueMaps`,
            });
          }
        }),
      ),
    );
    try {
      orderStreams(job.streams);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['streams'], message: (error as Error).message });
    }
  });
export type SyncJob = z.infer<typeof SyncJobSchema>;
export type SyncJobInput = z.input<typeof SyncJobSchema>;

/** Parents before the streams that point at them, so a person exists before the deal that names it. */
export function orderStreams<S extends Pick<Stream, 'name' | 'references'>>(streams: S[]): S[] {
  const byName = new Map(streams.map((s) => [s.name, s]));
  const ordered: S[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: S, path: string[]) => {
    if (state.get(s.name) === 'done') return;
    if (state.get(s.name) === 'visiting')
      throw new Error(`streams reference each other in a cycle: ${[...path, s.name].join(' -> ')}`);
    state.set(s.name, 'visiting');
    for (const r of s.references) {
      const parent = byName.get(r.stream);
      if (parent) visit(parent, [...path, s.name]);
    }
    state.set(s.name, 'done');
    ordered.push(s);
  };
  for (const s of streams) visit(s, []);
  return ordered;
}

/**
 * Parses a job, with every problem named by its path (`streams[1].references[0].stream: no stream named ...`).
 * `where` may name a path in the caller's own words (the n8n editor says `stream "loans", field "value"`).
 */
export function parseSyncJob(
  input: unknown,
  origin = 'sync job',
  where?: (path: PropertyKey[]) => string | undefined,
): SyncJob {
  const result = SyncJobSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const named = where?.(i.path);
    return `${named ? `${named}: ` : formatPath(i.path)}${i.message}`;
  });
  throw new UsageError(`Invalid ${origin}: ${problems.join('; ')}`);
}

export function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '';
  return `${path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')}: `;
}
