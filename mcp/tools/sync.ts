import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadConnections } from '../../core/connectors/registry';
import { UsageError } from '../../core/errors';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { loadSyncJob, openJobConnectors } from '../../core/sync/load-job';
import { SyncReportSchema, SyncRequestSchema, type SyncRequest } from '../../core/sync/requests';
import { insideRoots } from '../allowed-paths';
import type { ToolContext } from '../server';
import { failure, success } from '../tool-result';
import { CONNECTION_ENV_HELP } from './describe-schema';

function summary(report: SyncReport): string {
  const t = report.totals;
  const verb = report.dryRun ? 'would' : 'did';
  return `${report.job} (${report.dryRun ? 'plan' : 'run'} ${report.runId}, ${report.status}): ${verb} create ${t.created}, update ${t.updated}; ` +
    `${t.unchanged} unchanged, ${t.skipped} skipped, ${t.deferred} deferred, ${t.failed} failed, ${t.rejected} rejected` +
    (report.streams.some((s) => s.status === 'busy') ? `; busy (running elsewhere): ${report.streams.filter((s) => s.status === 'busy').map((s) => s.stream).join(', ')}` : '');
}

async function run(context: ToolContext, input: SyncRequest, dryRun: boolean): Promise<SyncReport> {
  const job = input.job ?? loadSyncJob(insideRoots(input.jobFile!, context.allowedRoots));
  const { source, target } = await openJobConnectors(job, loadConnections(undefined, process.env));
  return runSync({ db: await context.db(), job, source, target, dryRun, planLimit: input.planLimit ?? 200, ...(input.streams ? { streams: input.streams } : {}) });
}

/** `plan_sync` (read-only towards the CRMs) and `apply_sync` (writes; refused unless the server allows writes). */
export function registerSyncTools(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'plan_sync',
    {
      title: 'Plan a sync job (dry run)',
      description:
        'Reads what changed in the source since each stream\'s cursor and says what a sync would do: creates, updates ' +
        'field by field (old -> new), skips (filters), deferrals (parent missing) and rejections. Writes nothing to any ' +
        `CRM and does not move cursors (it records the plan run in the sync log). ${CONNECTION_ENV_HELP}`,
      inputSchema: SyncRequestSchema,
      outputSchema: SyncReportSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input) => {
      try {
        const report = await run(context, input, true);
        return success(report as unknown as Record<string, unknown>, summary(report));
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
        `--allow-writes. Plan first with plan_sync. ${CONNECTION_ENV_HELP}`,
      inputSchema: SyncRequestSchema,
      outputSchema: SyncReportSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input) => {
      try {
        if (!context.allowWrites) throw new UsageError('apply_sync writes to a CRM, and this server was started without --allow-writes; use plan_sync, or restart it with --allow-writes');
        const report = await run(context, input, false);
        return success(report as unknown as Record<string, unknown>, summary(report));
      } catch (error) {
        return failure(error);
      }
    },
  );
}
