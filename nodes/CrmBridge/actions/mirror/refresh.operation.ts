import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import { loadMapping } from '../../../../core/mapping/load-mapping';
import { refreshMirror } from '../../../../core/mirror/refresh';
import { MirrorInputSchema, type MirrorReport } from '../../../../core/mirror/schemas';
import type { SyncReport } from '../../../../core/sync/engine';
import { toNodeError } from '../../../shared/nodeError';
import { mappingFileProperty } from '../common';
import type { OperationContext } from '../context';
import { connectorFromCredential, credentialSecrets, CRM_CREDENTIALS } from '../crm/connection';
import { redactReport } from '../sync/execute';

const show = { show: { resource: ['mirror'], operation: ['refresh'] } };

export const description: INodeProperties[] = [
  {
    // Named `crm` like the other resources' parameter, so the HubSpot credential slot appears.
    displayName: 'CRM',
    name: 'crm',
    type: 'options',
    options: [{ name: 'HubSpot', value: 'hubspot' }],
    default: 'hubspot',
    description: 'The CRM the mirror is taken from; choose its credential below',
    displayOptions: show,
  },
  {
    displayName: 'Object Names or IDs',
    name: 'objects',
    type: 'multiOptions',
    typeOptions: { loadOptionsMethod: 'getMappingObjects', loadOptionsDependsOn: ['mappingFile'] },
    default: [],
    description:
      'Objects of the mapping to refresh; none chosen refreshes all of them. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
    displayOptions: show,
  },
  {
    displayName: 'Full (Re-Read Everything)',
    name: 'full',
    type: 'boolean',
    default: false,
    description:
      'Whether to read every record from HubSpot again and check every mirrored row, instead of only what changed since the last refresh. Costs a read of the whole portal.',
    displayOptions: show,
  },
  {
    displayName: 'Dry Run',
    name: 'dryRun',
    type: 'boolean',
    default: false,
    description:
      'Whether to only count what the refresh would write: nothing is written and no table is created (a first refresh plans against the tables it would create)',
    displayOptions: show,
  },
  mappingFileProperty('refresh', 'mirror'),
];

type StreamOutcome = SyncReport['streams'][number];

/** Why a stream did not succeed, in a line: the error that stopped it, its first problems, or the other process. */
function reasons(stream: StreamOutcome | undefined): string {
  if (!stream) return 'did not run';
  if (stream.error !== undefined) return `stopped: ${stream.error}`;
  if (stream.status === 'busy') return 'busy: another process is refreshing it now; run again when it has finished';
  return `${stream.status}: ${stream.problems
    .slice(0, 3)
    .map((p) => `${p.count} ${p.kind}: ${p.reason} (e.g. ${p.example})`)
    .join('; ')}`;
}

/** One item per object: how its stream went, and what happened to its table; the run's ID on each. */
function objectItem(report: MirrorReport, object: string): IDataObject {
  const stream = report.sync.streams.find((s) => s.stream === object);
  const status = stream?.status ?? 'failed';
  return {
    runId: report.sync.runId,
    object,
    status,
    dryRun: report.sync.dryRun,
    full: report.sync.full,
    counts: (stream?.counts ?? {}) as unknown as IDataObject,
    table: (report.tables[object] ?? null) as IDataObject | null,
    removed: report.removed[object] ?? 0,
    problems: (stream?.problems ?? []) as unknown as IDataObject[],
    ...(status !== 'succeeded' ? { error: reasons(stream) } : {}),
  };
}

/**
 * Mirror › Refresh: brings the Postgres mirror of HubSpot (`<schema>.<table>` per mapping object) up to date through
 * the sync engine, once per execution whatever the number of input items.
 *
 * Unlike Sync › Run, a partial stream fails the node too (as do a failed one and one busy in another process): the
 * next step is a reconcile that trusts the mirror, and a HubSpot record missing from it would come out `new` and be
 * created a second time. The error names the objects and their first reasons; a workflow that continues on fail gets
 * every object's item, those not succeeded with `error`.
 */
export async function executeAll(this: IExecuteFunctions, context: OperationContext): Promise<INodeExecutionData[]> {
  const secrets: string[] = [];
  try {
    const chosen = this.getNodeParameter('objects', 0, []) as string[];
    const input = MirrorInputSchema.parse({
      ...(chosen.length ? { objects: chosen } : {}),
      full: this.getNodeParameter('full', 0, false),
      dryRun: this.getNodeParameter('dryRun', 0, false),
    });
    const mapping = loadMapping((this.getNodeParameter('mappingFile', 0, '') as string) || undefined);
    const credential = await this.getCredentials(CRM_CREDENTIALS.hubspot);
    secrets.push(...credentialSecrets(credential));
    const hubspot = await connectorFromCredential('hubspot', credential);
    const db = await context.db();
    const signal = this.getExecutionCancelSignal?.();
    const raw = await refreshMirror(db, { mapping, hubspot, ...input, ...(signal ? { signal } : {}) });
    const report: MirrorReport = { ...raw, sync: redactReport(raw.sync, secrets) };
    const objects = input.objects ?? Object.keys(mapping.config.objects);
    const items = objects.map((object) => objectItem(report, object));
    const failed = items.filter((item) => item.status !== 'succeeded');
    if (failed.length && !this.continueOnFail()) {
      throw new NodeOperationError(
        this.getNode(),
        `Mirror refresh (run ${report.sync.runId}) failed for ${failed.map((i) => i.object).join(', ')}: ${failed.map((i) => `${i.object} ${i.error}`).join('; ')}`,
        {
          description: report.sync.headline,
        },
      );
    }
    return items.map((json) => ({ json, pairedItem: { item: 0 } }));
  } catch (error) {
    const failure = toNodeError(this.getNode(), error, secrets);
    if (error instanceof NodeOperationError || !this.continueOnFail()) throw failure;
    return [{ json: { error: failure.message }, pairedItem: { item: 0 } }];
  }
}
