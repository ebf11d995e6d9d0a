import { UsageError } from '../../../../../core/errors';
import type { TransformSpec } from '../../../../../core/mapping/transforms';
import { formatPath, parseSyncJob, type SyncJob, type SyncJobInput } from '../../../../../core/sync/job';
import { parseMappingCell } from './mapping-cell';
import {
  EditorParametersSchema,
  SOURCE_PRIORITIES,
  type FieldOption,
  type JobOptions,
  type ParsedEditorParameters,
  type StreamRow,
} from './schema';

type Input = NonNullable<SyncJobInput['streams']>[number];
type Property = Input['properties'][number];
type Condition = NonNullable<Input['source']['filter']>[number];

const streamLabel = (row: StreamRow, i: number) => (row.name ? `stream "${row.name}"` : `stream ${i + 1}`);

/** A field's transforms in the order chosen; phone, number and date options ride on their transform. */
function transformsOf(option: FieldOption, where: string): TransformSpec[] {
  const seen = new Set<string>();
  return option.transforms.map((name): TransformSpec => {
    if (seen.has(name)) throw new UsageError(`${where}: the transform "${name}" is chosen twice`);
    seen.add(name);
    if (name === 'map') {
      if (!option.valueMap) throw new UsageError(`${where}: the "map" transform needs a value map`);
      return {
        type: 'map',
        ref: option.valueMap,
        caseInsensitive: option.mapCaseInsensitive,
        unknown: option.mapUnknown,
      };
    }
    if (name === 'phone' && option.phoneCountry) return { type: 'phone', defaultCountry: option.phoneCountry };
    if ((name === 'number' || name === 'integer') && option.decimal) return { type: name, decimal: option.decimal };
    if ((name === 'date' || name === 'datetime') && option.dateOrder) return { type: name, order: option.dateOrder };
    return name;
  });
}

function conditionOf(row: StreamRow['filter'][number]): Condition {
  if (row.op === 'empty' || row.op === 'notEmpty') return { field: row.field, op: row.op };
  if (row.op === 'in' || row.op === 'notIn')
    return {
      field: row.field,
      op: row.op,
      value: row.value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    };
  return { field: row.field, op: row.op, value: row.value };
}

/** The conflict rules of a two-way job: a default, per-field rules (one per target field across streams), a priority. */
function conflictsOf(options: JobOptions, fields: Record<string, { strategy: string }>): SyncJobInput['conflicts'] {
  const priority = options.conflictSourcePriority ? SOURCE_PRIORITIES[options.conflictSourcePriority] : undefined;
  const any =
    !!options.conflictDefault || Object.keys(fields).length > 0 || !!priority || options.conflictAllowBlank === true;
  if (!any) return undefined;
  return {
    ...(options.conflictDefault ? { default: { strategy: options.conflictDefault } } : {}),
    ...(priority ? { sourcePriority: priority } : {}),
    ...(options.conflictAllowBlank !== undefined ? { allowBlank: options.conflictAllowBlank } : {}),
    fields,
  } as SyncJobInput['conflicts'];
}

function streamOf(row: StreamRow, i: number, conflictFields: Map<string, { strategy: string; stream: string }>): Input {
  const label = streamLabel(row, i);
  const options = new Map<string, FieldOption>();
  for (const option of row.fieldOptions) {
    if (options.has(option.field))
      throw new UsageError(`${label}, field "${option.field}": its field options are given twice`);
    options.set(option.field, option);
  }
  const cells = Object.entries(row.mapping.value ?? {}).filter(
    (e): e is [string, string | number | boolean] => e[1] !== null && String(e[1]).trim() !== '',
  );
  const properties: Property[] = cells.map(([to, cell]) => {
    const where = `${label}, field "${to}"`;
    let source;
    try {
      source = parseMappingCell(String(cell));
    } catch (error) {
      throw new UsageError(`${where}: ${(error as Error).message}`);
    }
    const option = options.get(to);
    return { ...source, to, transform: option ? transformsOf(option, where) : [] };
  });
  for (const [field, option] of options) {
    if (!cells.some(([to]) => to === field))
      throw new UsageError(`${label}, field "${field}": has field options but nothing is mapped to it`);
    if (!option.conflictRule) continue;
    const other = conflictFields.get(field);
    if (other && other.strategy !== option.conflictRule)
      throw new UsageError(
        `${label}, field "${field}": conflict rule "${option.conflictRule}" differs from "${other.strategy}" in stream "${other.stream}" (a job has one rule per field)`,
      );
    conflictFields.set(field, { strategy: option.conflictRule, stream: row.name });
  }
  return {
    name: row.name,
    source: {
      object: row.sourceObject,
      filter: row.filter.map(conditionOf),
      scope: row.scope,
      ...(row.sourceKey ? { key: row.sourceKey } : {}),
    },
    target: { object: row.targetObject, key: row.key },
    properties,
    references: row.references.map((r) => ({ from: r.from, stream: r.stream, to: r.to, required: r.required })),
    onDelete: row.onDelete,
    ...(row.onDelete === 'flag'
      ? { deleteFlag: { field: row.deleteFlagField, value: row.deleteFlagValue === '' ? null : row.deleteFlagValue } }
      : {}),
    ...(row.maxDeleteShare !== undefined ? { maxDeleteShare: row.maxDeleteShare } : {}),
  };
}

/** Names a problem's path the way the editor shows it: the stream by its name, a property by its target field. */
function whereIn(job: SyncJobInput) {
  return (path: PropertyKey[]): string | undefined => {
    if (path[0] !== 'streams' || typeof path[1] !== 'number') return undefined;
    const stream = job.streams[path[1]];
    if (!stream) return undefined;
    let label = stream.name ? `stream "${stream.name}"` : `stream ${path[1] + 1}`;
    let rest = path.slice(2);
    const [part, index] = rest;
    if (part === 'properties' && typeof index === 'number') {
      label += `, field "${stream.properties[index]?.to}"`;
      rest = rest.slice(2);
    } else if (part === 'references' && typeof index === 'number') {
      label += `, reference from "${stream.references?.[index]?.from}"`;
      rest = rest.slice(2);
    } else if (part === 'source' && rest[1] === 'filter' && typeof rest[2] === 'number') {
      label += `, filter on "${stream.source.filter?.[rest[2]]?.field}"`;
      rest = rest.slice(3);
    }
    return rest.length ? `${label} (${formatPath(rest).slice(0, -2)})` : label;
  };
}

/** What the editor's parameters say, as a job (not yet validated), with per-field conflict rules gathered. */
function buildJob(p: ParsedEditorParameters): SyncJobInput {
  const o = p.jobOptions;
  const conflictFields = new Map<string, { strategy: string; stream: string }>();
  const streams = p.editorStreams.map((row, i) => streamOf(row, i, conflictFields));
  const valueMaps: Record<string, Record<string, string | null>> = {};
  for (const map of p.valueMaps) {
    if (map.name in valueMaps) throw new UsageError(`value map "${map.name}" is defined twice`);
    valueMaps[map.name] = {};
    for (const pair of map.values) {
      if (pair.from in valueMaps[map.name]!)
        throw new UsageError(`value map "${map.name}": "${pair.from}" is mapped twice`);
      valueMaps[map.name]![pair.from] = pair.to === '' ? null : pair.to;
    }
  }
  const transformDefaults = {
    ...(o.phoneCountry ? { phoneCountry: o.phoneCountry } : {}),
    ...(o.dateOrder ? { dateOrder: o.dateOrder } : {}),
    ...(o.decimal ? { decimal: o.decimal } : {}),
  };
  const rateBudgets: SyncJobInput['rateBudgets'] = {};
  for (const b of p.rateBudgets) {
    if (rateBudgets[b.system]) throw new UsageError(`rate budget for ${b.system} is given twice`);
    rateBudgets[b.system] = { requests: b.requests, perMs: b.perMs };
  }
  const conflicts = conflictsOf(
    o,
    Object.fromEntries([...conflictFields].map(([field, rule]) => [field, { strategy: rule.strategy }])),
  );
  return {
    version: 1,
    name: p.jobName,
    source: p.sourceCrm,
    target: p.targetCrm,
    ...(o.direction ? { direction: o.direction } : {}),
    streams,
    valueMaps,
    transformDefaults,
    ...(conflicts ? { conflicts } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.lookbackSeconds !== undefined ? { lookbackSeconds: o.lookbackSeconds } : {}),
    ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
    ...(o.everySeconds ? { schedule: { everySeconds: o.everySeconds } } : {}),
    rateBudgets,
  };
}

/**
 * The sync job the editor's parameters describe, validated by the same schema as a `crm-bridge sync --job` file and
 * the MCP tools, with problems named by stream and field.
 */
export function jobFromEditor(parameters: unknown): SyncJob {
  const parsed = EditorParametersSchema.safeParse(parameters);
  if (!parsed.success)
    throw new UsageError(
      `Invalid sync editor parameters: ${parsed.error.issues.map((i) => `${formatPath(i.path)}${i.message}`).join('; ')}`,
    );
  const job = buildJob(parsed.data);
  return parseSyncJob(job, 'sync job (editor)', whereIn(job));
}
