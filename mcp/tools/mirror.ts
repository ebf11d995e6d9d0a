import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { refreshMirror } from '../../core/mirror/refresh';
import { MirrorInputSchema, MirrorReportSchema, type MirrorReport } from '../../core/mirror/schemas';
import { askToConfirm, canAsk, notConfirmed } from '../confirm';
import { requireWrites, type ToolContext } from '../context';
import { handled, progressOf } from '../progress';
import { failure, success } from '../tool-result';

/** The headline (status and first reasons) first, then per object what was (or would be) done. */
function summary(report: MirrorReport): string {
  const { sync } = report;
  const verb = sync.dryRun ? 'would create' : 'created';
  const objects = sync.streams.map((s) => {
    const c = s.counts;
    const removed = report.removed[s.stream];
    const table = report.tables[s.stream]?.created ? ' (table created)' : '';
    return `${s.stream}${table}: read ${c.read}, ${verb} ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}${removed !== undefined ? `, removed ${removed}` : ''}, failed ${c.failed}`;
  });
  return [sync.headline, ...objects].join('\n');
}

/** `refresh_mirror`: the Postgres mirror of HubSpot brought up to date (plans freely; writes only with --allow-writes). */
export function registerMirrorTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'refresh_mirror',
    {
      title: 'Refresh the Postgres mirror of HubSpot',
      description:
        'Brings the mirror reconcile compares the legacy export with (a Postgres table per object of the mapping) up to ' +
        'date from HubSpot: the first run creates the tables and copies every record, later runs copy what changed ' +
        'since the last refresh (full: true checks every row again), and records archived in HubSpot are removed from ' +
        'the mirror. Reads HubSpot, never writes to it; connection from HUBSPOT_* environment variables. Run reconcile ' +
        'again afterwards. dryRun: true says what would be copied and creates nothing (it records the plan run in the ' +
        'sync log, as plan_sync does), and is always allowed; a real refresh rewrites and deletes mirror rows, so it ' +
        'runs only when the server was started with --allow-writes, and, when the client can ask the user, after the ' +
        'user confirms the plan.',
      inputSchema: MirrorInputSchema,
      outputSchema: MirrorReportSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      try {
        if (!input.dryRun)
          requireWrites(
            context,
            'refresh_mirror rewrites the mirror reconcile and apply rely on',
            'dryRun: true to plan',
          );
        const hubspot = await openConnector('hubspot', loadConnections(undefined, process.env));
        const progress = progressOf(extra);
        const refresh = (dryRun: boolean | undefined, planLimit: number) =>
          context.db().then((db) =>
            refreshMirror(db, {
              ...input,
              dryRun,
              mapping: context.mapping,
              hubspot,
              planLimit,
              signal: extra.signal,
              onBatch: (object, counts) => {
                const phase = `${dryRun ? 'plan ' : ''}${object}`;
                progress.report(phase, handled(counts), `${phase}: ${handled(counts)} record(s)`);
              },
            }),
          );
        if (!input.dryRun && canAsk(server)) {
          const plan = await refresh(true, 20);
          const { confirmed, answer } = await askToConfirm(server, extra, summary(plan));
          if (!confirmed) return notConfirmed('refresh_mirror', answer, plan);
        }
        const report = await refresh(input.dryRun, 200);
        const answer = success(report, summary(report));
        // A mirror missing records would make reconcile call them new: anything short of success is an error result.
        return report.sync.status === 'succeeded' ? answer : { ...answer, isError: true };
      } catch (error) {
        return failure(error);
      }
    },
  );
}
