import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadConnections } from '../../core/connectors/registry';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { loadSyncJob, openJobConnectors } from '../../core/sync/load-job';
import { SyncReportSchema, SyncRequestSchema, type SyncRequest } from '../../core/sync/requests';
import { insideRoots } from '../allowed-paths';
import { askToConfirm, canAsk, notConfirmed } from '../confirm';
import { requireWrites, type ToolContext } from '../context';
import { handled, progressOf, type Extra } from '../progress';
import { failure, success } from '../tool-result';
import { CONNECTION_ENV_HELP } from './describe-schema';

/** The headline (status and first reasons) first, then what was (or would be) done. */
function summary(report: SyncReport): string {
  const t = report.totals;
  const verb = report.dryRun ? 'would' : 'did';
  return (
    `${report.headline}\n${verb} create ${t.created}${t.recreated ? ` (${t.recreated} the target had lost)` : ''}, update ${t.updated}` +
    `${t.repaired ? ` (${t.repaired} changed in the target, put back)` : ''}; ${t.unchanged} unchanged${t.verified ? ` (${t.verified} confirmed by reading the target)` : ''}, ` +
    `${t.skipped} skipped, ${t.deferred} deferred, ${t.failed} failed, ${t.rejected} rejected` +
    (t.deleted + t.flagged + t.reverseDeleted
      ? `; ${verb} delete ${t.deleted + t.reverseDeleted}, flag ${t.flagged}`
      : '')
  );
}

/** A run that did nothing it was asked to (every stream failed) is an error result; a partial one says so in its text and status. */
function result(report: SyncReport) {
  const answer = success(report as unknown as Record<string, unknown>, summary(report));
  return report.status === 'failed' ? { ...answer, isError: true } : answer;
}

async function run(context: ToolContext, input: SyncRequest, dryRun: boolean, extra: Extra): Promise<SyncReport> {
  const progress = progressOf(extra);
  const job = input.job ?? loadSyncJob(insideRoots(input.jobFile!, context.allowedRoots));
  const { source, target } = await openJobConnectors(job, loadConnections(undefined, process.env));
  return runSync({
    db: await context.db(),
    job,
    source,
    target,
    dryRun,
    full: input.full ?? false,
    planLimit: input.planLimit ?? 200,
    ...(input.streams ? { streams: input.streams } : {}),
    ...(input.allowMassDelete ? { allowMassDelete: true } : {}),
    signal: extra.signal,
    onBatch: (stream, counts) => {
      const phase = `${dryRun ? 'plan ' : ''}${stream}`;
      progress.report(phase, handled(counts), `${phase}: ${handled(counts)} record(s)`);
    },
  });
}

/** `plan_sync` (read-only towards the CRMs) and `apply_sync` (writes; refused unless the server allows writes). */
export function registerSyncTools(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'plan_sync',
    {
      title: 'Plan a sync job (dry run)',
      description:
        "Reads what changed in the source since each stream's cursor and says what a sync would do: creates, updates " +
        'field by field (old -> new), skips (filters), deferrals (parent missing), rejections, and deletes or flags of ' +
        "records deleted in the source (streams with onDelete; a mass delete beyond a stream's maxDeleteShare is refused). Writes nothing to any " +
        `CRM and does not move cursors (it records the plan run in the sync log). ${CONNECTION_ENV_HELP}`,
      inputSchema: SyncRequestSchema,
      outputSchema: SyncReportSchema,
      // It writes a row to the sync log: not read-only. A retry is harmless (one more log row, nothing else).
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      try {
        return result(await run(context, input, true, extra));
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    'apply_sync',
    {
      title: 'Run a sync job (writes to the target CRM)',
      description:
        'Runs a sync job: upserts every changed source record into the target CRM by external ID, parents first, and ' +
        'advances the cursors. Every write is in the audit log. Only available when the server was started with ' +
        '--allow-writes; a client that can ask the user is shown the plan first and the run goes ahead only once the user ' +
        `confirms. Plan first with plan_sync. ${CONNECTION_ENV_HELP}`,
      inputSchema: SyncRequestSchema,
      outputSchema: SyncReportSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      try {
        requireWrites(context, 'apply_sync writes to a CRM', 'plan_sync');
        if (canAsk(server)) {
          const plan = await run(context, { ...input, planLimit: input.planLimit ?? 20 }, true, extra);
          const { confirmed, answer } = await askToConfirm(server, extra, summary(plan));
          if (!confirmed) return notConfirmed('apply_sync', answer, plan as unknown as Record<string, unknown>);
        }
        return result(await run(context, input, false, extra));
      } catch (error) {
        return failure(error);
      }
    },
  );
}
