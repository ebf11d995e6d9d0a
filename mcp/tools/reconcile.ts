import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadMappingFile } from '../../core/mapping/load-mapping';
import { reconcile, type ReconcilePhase } from '../../core/reconcile/reconcile';
import { ReconcileInputSchema, ReconcileSummarySchema } from '../../core/reconcile/summary';
import type { ToolContext } from '../context';
import { exportInsideRoots, insideRoots } from '../allowed-paths';
import { progressOf } from '../progress';
import { latestRunUri } from '../resources/reconciliation';
import { failure, success } from '../tool-result';

export function registerReconcileTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'reconcile',
    {
      title: 'Reconcile a legacy export against the CRM mirror',
      description:
        'Reads one object of a legacy CRM export (CSV) and the CRM mirror, joins them by legacy ID, and writes the ' +
        'outcome to the staging table: matched / fuzzy_match / new / conflict / orphan / unreadable_in_export (the legacy ID is in the export only in rows that could not be read), ' +
        'match confidence and the properties to update. Unreadable rows are set aside row by row (staging.quarantine), never the whole file. ' +
        'An export with no readable row, or with fewer than half the rows of the last successful run, is refused and staging left as it was, unless acceptShrink is true. ' +
        'Changes only the staging tables, never the CRM; running it again on the same data changes nothing.',
      inputSchema: ReconcileInputSchema,
      outputSchema: ReconcileSummarySchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (input, extra) => {
      try {
        const mapping = input.mappingFile
          ? loadMappingFile(insideRoots(input.mappingFile, context.allowedRoots))
          : context.mapping;
        // The export's file for this object is checked too: a folder inside may hold a link to a file outside.
        const legacyPath = exportInsideRoots(
          input.legacyPath,
          mapping.config.objects[input.object]?.legacy.file,
          context.allowedRoots,
        );
        // Large exports take minutes: progress keeps a client that asked for it from timing out.
        const progress = progressOf(extra);
        const summary = await reconcile(await context.db(), {
          object: input.object,
          mapping,
          legacyPath,
          batchSize: input.batchSize,
          fuzzy: input.fuzzy === false ? false : undefined,
          onProgress: (phase: ReconcilePhase, rows: number) => progress.report(phase, rows, `${phase}: ${rows} rows`),
          signal: extra.signal,
          acceptShrink: input.acceptShrink,
          shrinkThreshold: input.shrinkThreshold,
        });
        const text =
          `${summary.object}: ${summary.matched} matched, ${summary.fuzzyMatch} fuzzy match, ${summary.new} new, ${summary.conflict} conflict, ${summary.orphan} orphan, ` +
          `${summary.unreadableInExport} unreadable in export, ${summary.quarantined} quarantined; ${summary.updatesPending} matched records need updates` +
          summary.warnings.map((w) => `\nwarning: ${w}`).join('');
        const answer = success(summary, text);
        // The rows stay out of the answer; the run is linked (staging rows: crm-bridge://staging/{object}/{legacyId}).
        answer.content.push({
          type: 'resource_link',
          uri: latestRunUri(summary.object),
          name: `reconciliation/${summary.object}/latest`,
          description: 'This run as the reconciliation log keeps it',
          mimeType: 'application/json',
        });
        return answer;
      } catch (error) {
        return failure(error);
      }
    },
  );
}
