import type { INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { UsageError } from '../../../../core/errors';
import { parseSyncJob, SyncSystemSchema, type SyncJob } from '../../../../core/sync/job';
import { SYNC_CRM_OPTIONS } from './systems';
import { editorProperties } from './editor/description';

const show = (operation: 'run' | 'plan' | Array<'run' | 'plan'>) => ({
  resource: ['sync'],
  operation: Array.isArray(operation) ? operation : [operation],
});

export const description: INodeProperties[] = [
  {
    // Named `crm` like the CRM resource's parameter, so the same credential slots appear: one per CRM chosen here.
    displayName: 'CRMs',
    name: 'crm',
    type: 'multiOptions',
    options: SYNC_CRM_OPTIONS,
    default: [],
    required: true,
    description: "The job's source and target; choose a credential for each below",
    displayOptions: { show: show(['run', 'plan']) },
  },
  ...editorProperties,
  {
    displayName: 'Job (JSON)',
    name: 'job',
    type: 'json',
    default: '',
    required: true,
    typeOptions: { rows: 12 },
    description:
      'The sync job, as in a `crm-bridge sync --job` file: source, target, streams, mapping, filters. Problems are reported by their path in the job.',
    displayOptions: { show: { ...show(['run', 'plan']), jobSource: ['json'] } },
  },
  {
    displayName: 'Only These Streams',
    name: 'streams',
    type: 'string',
    default: '',
    placeholder: 'loans',
    description: 'Comma-separated streams to run; empty runs all. Parents a record needs are still fetched by ID.',
    displayOptions: { show: show(['run', 'plan']) },
  },
  {
    displayName: 'Plan Limit',
    name: 'planLimit',
    type: 'number',
    typeOptions: { minValue: 0, maxValue: 100_000 },
    default: 1000,
    description: 'Plan lines to keep (one per source record); the rest are only counted',
    displayOptions: { show: show('plan') },
  },
  {
    displayName: 'Plan Limit',
    name: 'planLimit',
    type: 'number',
    typeOptions: { minValue: 0, maxValue: 100_000 },
    default: 0,
    description: 'Lines saying what happened to each record to keep; 0 returns only the counts',
    displayOptions: { show: show('run') },
  },
  {
    displayName: 'Full (Re-Read and Verify Everything)',
    name: 'full',
    type: 'boolean',
    default: false,
    description:
      'Whether to read every source record from the beginning instead of from the cursors, checking every linked record in the target: one the target lost is created again, one changed there gets its values back. Costs a read of the whole source.',
    displayOptions: { show: show(['run', 'plan']) },
  },
  {
    displayName: 'Allow Mass Delete',
    name: 'allowMassDelete',
    type: 'boolean',
    default: false,
    description:
      "Whether to let deletes through where a stream would delete more than its Max Delete Share of its linked records (check the plan's deletes first)",
    displayOptions: { show: show(['run', 'plan']) },
  },
  {
    displayName: 'Output Plan Lines as Items',
    name: 'planItems',
    type: 'boolean',
    default: false,
    description: 'Whether to add one item per plan line after the report item (the report then leaves them out)',
    displayOptions: { show: show(['run', 'plan']) },
  },
];

const StreamNamesSchema = z.array(
  z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a stream name is lower-case letters, digits, _ or -'),
);
const ChosenCrmsSchema = z.array(SyncSystemSchema);

/** The job from the parameter: a JSON string (typed in the editor) or an object (from an expression). */
export function jobFromParameter(value: unknown): SyncJob {
  let raw = value;
  if (typeof value === 'string') {
    if (value.trim() === '') throw new UsageError('The Job parameter is empty: paste a sync job (JSON)');
    try {
      raw = JSON.parse(value);
    } catch (error) {
      throw new UsageError(`The Job parameter is not JSON: ${(error as Error).message}`);
    }
  }
  return parseSyncJob(raw, 'sync job (parameter "Job")');
}

export function streamsFromParameter(value: unknown): string[] | undefined {
  const names = String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return undefined;
  const parsed = StreamNamesSchema.safeParse(names);
  if (!parsed.success)
    throw new UsageError(
      `Streams: ${parsed.error.issues.map((i) => `"${names[Number(i.path[0])]}": ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** The credentials are only offered for the CRMs chosen on the node, so both ends of the job must be among them. */
export function checkChosenCrms(value: unknown, job: SyncJob): void {
  const parsed = ChosenCrmsSchema.safeParse(Array.isArray(value) ? value : [value]);
  const chosen = parsed.success ? parsed.data : [];
  const missing = [job.source, job.target].filter((crm) => !chosen.includes(crm));
  if (missing.length)
    throw new UsageError(
      `The job syncs ${job.source} -> ${job.target}: add ${missing.join(' and ')} under "CRMs" and choose ${missing.length > 1 ? 'their credentials' : 'its credential'}`,
    );
}
