import { isDeepStrictEqual } from 'node:util';
import { StrategySchema, type Strategy } from '../../../../../core/conflicts/schemas';
import { UsageError } from '../../../../../core/errors';
import type { TransformSpec } from '../../../../../core/mapping/transforms';
import { parseSyncJob, type Stream, type SyncJob } from '../../../../../core/sync/job';
import { formatMappingCell } from './mapping-cell';
import { EDITOR_STRATEGIES, SOURCE_PRIORITIES, type EditorParameters, type FieldOption } from './schema';

type EditorStrategy = (typeof EDITOR_STRATEGIES)[number];
type StreamRowInput = NonNullable<NonNullable<EditorParameters['editorStreams']>['stream']>[number];
type FieldOptionInput = Partial<FieldOption> & { field: string };

const refuse = (where: string, what: string) =>
  new UsageError(`${where}: ${what}, which the editor cannot show; keep this job in JSON (Advanced) mode`);

/** A rule the editor can show: one of its strategies with nothing but the strategy's defaults. */
function plainStrategy(rule: Strategy, where: string): EditorStrategy {
  const name = rule.strategy as EditorStrategy;
  if (!EDITOR_STRATEGIES.includes(name) || !isDeepStrictEqual(StrategySchema.parse({ strategy: name }), rule))
    throw refuse(where, `the conflict rule ${JSON.stringify(rule)} has settings beyond its strategy`);
  return name;
}

function fieldOptionOf(
  to: string,
  transforms: TransformSpec[],
  conflictRule: EditorStrategy | undefined,
  where: string,
): FieldOptionInput | undefined {
  const option: FieldOptionInput = { field: to, transforms: [] };
  for (const t of transforms) {
    const spec = (typeof t === 'string' ? { type: t } : t) as Exclude<TransformSpec, string>;
    if (option.transforms!.includes(spec.type)) throw refuse(where, `the transform "${spec.type}" is used twice`);
    option.transforms!.push(spec.type);
    if (spec.type === 'phone' && spec.defaultCountry) option.phoneCountry = spec.defaultCountry;
    if ((spec.type === 'number' || spec.type === 'integer') && spec.decimal) {
      if (option.decimal && option.decimal !== spec.decimal) throw refuse(where, 'two decimal marks');
      option.decimal = spec.decimal;
    }
    if ((spec.type === 'date' || spec.type === 'datetime') && spec.order) {
      if (option.dateOrder && option.dateOrder !== spec.order) throw refuse(where, 'two date orders');
      option.dateOrder = spec.order;
    }
    if (spec.type === 'map') {
      if (spec.ref === undefined) throw refuse(where, 'a value map written inside the field (not in valueMaps)');
      Object.assign(option, {
        valueMap: spec.ref,
        mapUnknown: spec.unknown,
        mapCaseInsensitive: spec.caseInsensitive,
      });
    }
  }
  if (conflictRule) option.conflictRule = conflictRule;
  return option.transforms!.length || conflictRule ? option : undefined;
}

function streamRowOf(s: Stream, conflictRules: Map<string, EditorStrategy>, mapped: Set<string>): StreamRowInput {
  const label = `stream "${s.name}"`;
  const value: Record<string, string> = {};
  const fieldOptions: FieldOptionInput[] = [];
  for (const p of s.properties) {
    const where = `${label}, field "${p.to}"`;
    if (p.to in value) throw refuse(where, 'the field is mapped twice');
    try {
      value[p.to] = formatMappingCell(
        p.from !== undefined
          ? { from: p.from }
          : p.template !== undefined
            ? { template: p.template }
            : { value: p.value! },
      );
    } catch (error) {
      throw refuse(where, (error as Error).message);
    }
    mapped.add(p.to);
    const option = fieldOptionOf(p.to, p.transform, conflictRules.get(p.to), where);
    if (option) fieldOptions.push(option);
  }
  if (s.source.changeEvents !== undefined)
    throw refuse(
      `${label}, source`,
      'change events (crm-bridge serve --job subscribes to them; the node runs a job once)',
    );
  const filter = s.source.filter.map((c) => {
    const list = Array.isArray(c.value) ? c.value : undefined;
    if (list?.some((v) => v.includes(',') || v !== v.trim()))
      throw refuse(`${label}, filter on "${c.field}"`, 'a listed value with a comma or outer spaces');
    return { field: c.field, op: c.op, value: list ? list.join(', ') : ((c.value as string | undefined) ?? '') };
  });
  return {
    name: s.name,
    sourceObject: s.source.object,
    targetObject: s.target.object,
    key: s.target.key,
    scope: s.source.scope,
    sourceKey: s.source.key ?? '',
    mapping: {
      mappingMode: 'defineBelow',
      value,
    },
    fieldOptions: { field: fieldOptions },
    filter: { condition: filter },
    references: { reference: s.references.map((r) => ({ ...r })) },
    onDelete: s.onDelete,
    deleteFlagField: s.deleteFlag?.field ?? '',
    deleteFlagValue: s.deleteFlag?.value ?? '',
    maxDeleteShare: s.maxDeleteShare,
  };
}

/** The job's conflict rules as editor options; refuses what the editor has no control for. */
function conflictOptions(job: SyncJob): { options: Record<string, unknown>; fields: Map<string, EditorStrategy> } {
  const c = job.conflicts;
  const fields = new Map<string, EditorStrategy>();
  if (!c) return { options: {}, fields };
  if (Object.keys(c.transformDefaults).length) throw refuse('conflicts', 'transform defaults of their own');
  const priority = Object.entries(SOURCE_PRIORITIES).find(([, order]) => isDeepStrictEqual(order, c.sourcePriority));
  if (c.sourcePriority.length && !priority)
    throw refuse('conflicts.sourcePriority', `the order ${JSON.stringify(c.sourcePriority)}`);
  for (const [field, rule] of Object.entries(c.fields)) fields.set(field, plainStrategy(rule, `conflicts.${field}`));
  return {
    options: {
      conflictDefault: plainStrategy(c.default, 'conflicts.default'),
      ...(priority ? { conflictSourcePriority: priority[0] } : {}),
      ...(c.allowBlank ? { conflictAllowBlank: true } : {}),
    },
    fields,
  };
}

/**
 * The editor's parameters for a job (a job file, or the JSON of the Advanced mode), so that `jobFromEditor` gives the
 * same job back. Refuses, naming the place, what the editor has no control for (an inline value map, a field mapped
 * twice, a conflict rule with settings of its own). Transforms without options come back in their short form
 * (`{ "type": "trim" }` as `"trim"`) and a blank value-map entry as null: the same meaning in fewer words.
 */
export function editorFromJob(input: unknown): EditorParameters {
  const job = parseSyncJob(input);
  const { options: conflicts, fields } = conflictOptions(job);
  const mapped = new Set<string>();
  const streams = job.streams.map((s) => streamRowOf(s, fields, mapped));
  for (const field of fields.keys())
    if (!mapped.has(field)) throw refuse(`conflicts.fields.${field}`, 'a rule for a field no stream maps');
  const t = job.transformDefaults;
  return {
    jobName: job.name,
    sourceCrm: job.source,
    targetCrm: job.target,
    editorStreams: { stream: streams },
    valueMaps: {
      map: Object.entries(job.valueMaps).map(([name, values]) => ({
        name,
        values: { pair: Object.entries(values).map(([from, to]) => ({ from, to: to ?? '' })) },
      })),
    },
    jobOptions: {
      direction: job.direction,
      batchSize: job.batchSize,
      lookbackSeconds: job.lookbackSeconds,
      maxAttempts: job.maxAttempts,
      ...(job.schedule ? { everySeconds: job.schedule.everySeconds } : {}),
      ...(t.phoneCountry ? { phoneCountry: t.phoneCountry } : {}),
      ...(t.dateOrder ? { dateOrder: t.dateOrder } : {}),
      ...(t.decimal ? { decimal: t.decimal } : {}),
      ...conflicts,
    },
    rateBudgets: {
      budget: Object.entries(job.rateBudgets).map(([system, b]) => ({
        system: system as SyncJob['source'],
        requests: b!.requests,
        perMs: b!.perMs,
      })),
    },
  };
}
