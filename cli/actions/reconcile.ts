import type { Command } from 'commander';
import { reconcile } from '../../core/reconcile/reconcile';
import { ReconcileInputSchema, type ReconcileSummary } from '../../core/reconcile/summary';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table } from '../output';
import { progressReporter } from '../progress';

export function summaryTable(summaries: ReconcileSummary[]): string {
  return table(
    [
      'object',
      'legacy rows',
      'matched',
      'fuzzy match',
      'new',
      'conflict',
      'orphan',
      'unreadable in export',
      'quarantined',
      'field issues',
      'updates pending',
      'seconds',
    ],
    summaries.map((s) => [
      s.object,
      s.legacyRows,
      s.matched,
      s.fuzzyMatch,
      s.new,
      s.conflict,
      s.orphan,
      s.unreadableInExport,
      s.quarantined,
      s.fieldIssues,
      s.updatesPending,
      (s.durationMs / 1000).toFixed(1),
    ]),
  );
}

/** The summaries' warnings, one line each, named by object when there are several. */
export function warningLines(summaries: ReconcileSummary[]): string[] {
  return summaries.flatMap((s) =>
    s.warnings.map((w) => `warning${summaries.length > 1 ? ` (${s.object})` : ''}: ${w}`),
  );
}

export const reconcileAction = async (
  opts: {
    object: string;
    legacy: string;
    batchSize?: number;
    fuzzy: boolean;
    failOnQuarantine?: boolean;
    acceptShrink?: boolean;
    shrinkThreshold?: number;
  },
  command: Command,
) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const input = ReconcileInputSchema.parse({
      object: opts.object,
      legacyPath: opts.legacy,
      mappingFile: global.mapping,
      batchSize: opts.batchSize,
      fuzzy: opts.fuzzy,
      acceptShrink: opts.acceptShrink,
      shrinkThreshold: opts.shrinkThreshold,
    });
    const summary = await withDatabase(global, async (db, mapping) => {
      const progress = progressReporter(input.object, !global.json);
      try {
        return await reconcile(db, {
          object: input.object,
          mapping,
          legacyPath: input.legacyPath,
          batchSize: input.batchSize,
          fuzzy: input.fuzzy === false ? false : undefined,
          onProgress: progress.update,
          acceptShrink: input.acceptShrink,
          shrinkThreshold: input.shrinkThreshold,
        });
      } finally {
        progress.stop();
      }
    });
    const verdict =
      opts.failOnQuarantine && summary.quarantined > 0
        ? {
            kind: 'partial' as const,
            message: `${summary.quarantined} row(s) of ${summary.object} were quarantined (crm-bridge lookup, or staging.quarantine, says which and why)`,
          }
        : undefined;
    emit(
      global,
      summary,
      (s) =>
        [
          summaryTable([s]),
          ...warningLines([s]),
          `run ${s.runId}: ${s.rowsInserted} staging rows added, ${s.rowsUpdated} changed, ${s.rowsDeleted} removed`,
        ].join('\n'),
      verdict,
    );
  } catch (error) {
    fail(error, global);
  }
};
