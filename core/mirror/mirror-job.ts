import type { FieldType, ObjectSchema } from '../connectors/connector';
import type { MappingConfig } from '../mapping/mapping-config';
import type { TransformSpec } from '../mapping/transforms';
import type { SyncJob } from '../sync/job';
import type { MirrorColumnSpec } from './mirror-table';

export const MIRROR_JOB = 'hubspot-mirror';

/** Values compared and written in canonical form, so `50000` in HubSpot and `50000.00` in a numeric column agree. */
const TRANSFORMS: Partial<Record<FieldType, TransformSpec[]>> = {
  number: ['number'],
  integer: ['integer'],
  boolean: ['boolean'],
  date: [{ type: 'date', order: 'YMD' }],
  datetime: ['datetime'],
};

/** The columns an object's mirror keeps: its legacy ID, its modified time, and every property the mapping names. */
export function mirroredColumns(config: MappingConfig, object: string, schema: ObjectSchema): MirrorColumnSpec[] {
  const spec = config.objects[object]!;
  const wanted = [
    spec.target.legacyIdColumn,
    ...(spec.target.modifiedColumn ? [spec.target.modifiedColumn] : []),
    ...spec.properties.map((p) => p.to),
  ];
  const types = new Map(schema.fields.map((f) => [f.name, f.type]));
  return [...new Set(wanted)]
    .filter((c) => c !== spec.target.idColumn)
    .map((name) => ({ name, type: types.get(name) ?? 'string' }));
}

/**
 * The sync job that keeps the mirror: one stream per object from HubSpot to its mirror table, keyed by the record ID,
 * each property copied as it is (blanks too: a value cleared in HubSpot is cleared in the mirror).
 */
export function mirrorJob(
  config: MappingConfig,
  objects: Array<{ object: string; columns: MirrorColumnSpec[] }>,
): SyncJob {
  return {
    version: 1,
    name: MIRROR_JOB,
    source: 'hubspot',
    target: 'postgres',
    direction: 'one-way',
    streams: objects.map(({ object, columns }) => {
      const spec = config.objects[object]!;
      return {
        name: object,
        source: { object: spec.target.table, filter: [], scope: 'all' as const },
        target: { object: spec.target.table, key: spec.target.idColumn },
        properties: columns.map((c) => ({ from: c.name, to: c.name, transform: TRANSFORMS[c.type] ?? [] })),
        references: [],
        // The refresh removes archived records from the mirror itself (refresh.ts), with its own rules.
        onDelete: 'nothing' as const,
        maxDeleteShare: 0.1,
      };
    }),
    valueMaps: {},
    transformDefaults: {},
    conflicts: {
      default: { strategy: 'lastWriteWins', precisionMs: 1000 },
      sourcePriority: [],
      fields: {},
      allowBlank: true,
      transformDefaults: {},
    },
    batchSize: 500,
    lookbackSeconds: 5,
    maxAttempts: 5,
    rateBudgets: {},
  };
}
