import path from 'node:path';
import type { Command } from 'commander';
import { loadMirror } from '../../demo/load-mirror';
import { ident } from '../../core/db/sql';
import { reconcile } from '../../core/reconcile/reconcile';
import type { ReconcileSummary } from '../../core/reconcile/summary';
import { PACKAGE_ROOT } from '../../core/version';
import { withDatabase, type GlobalOptions } from '../context';
import { cliCommand } from '../invocation';
import { emit, fail } from '../output';
import { progressReporter } from '../progress';
import { summaryTable, warningLines } from './reconcile';

export const EXAMPLES = {
  legacyExport: path.join(PACKAGE_ROOT, 'examples', 'legacy-export'),
  mirror: path.join(PACKAGE_ROOT, 'examples', 'hubspot-mirror'),
};

export const demoAction = async (_opts: unknown, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const result = await withDatabase(global, async (db, mapping) => {
      const schema = mapping.config.target.schema;
      const mirrorRows = await db.withConnection((sql) => loadMirror(sql, EXAMPLES.mirror, { schema }));
      const summaries: ReconcileSummary[] = [];
      for (const object of Object.keys(mapping.config.objects)) {
        const progress = progressReporter(object, !global.json);
        try {
          // The demo puts the shipped example back whatever was reconciled before, so a smaller earlier export is no reason to refuse.
          summaries.push(
            await reconcile(db, {
              object,
              mapping,
              legacyPath: EXAMPLES.legacyExport,
              onProgress: progress.update,
              acceptShrink: true,
            }),
          );
        } finally {
          progress.stop();
        }
      }
      // A record worth looking at: matched, with something to update.
      const { rows } = await db.pool.query<{ legacy_id: string }>(
        `SELECT legacy_id FROM staging.${ident(summaries[0]!.object)} WHERE status = 'matched' AND properties_to_update <> '{}'::jsonb ORDER BY legacy_id LIMIT 1`,
      );
      // And one linked by resemblance, where the target record has no legacy ID.
      const fuzzy = await db.pool.query<{ legacy_id: string }>(
        `SELECT legacy_id FROM staging.${ident(summaries[0]!.object)} WHERE status = 'fuzzy_match' ORDER BY match_confidence DESC, legacy_id LIMIT 1`,
      );
      return {
        database: db.location,
        kind: db.kind,
        mirrorRows,
        summaries,
        example: rows[0] ? { object: summaries[0]!.object, legacyId: rows[0].legacy_id } : null,
        fuzzyExample: fuzzy.rows[0] ? { object: summaries[0]!.object, legacyId: fuzzy.rows[0].legacy_id } : null,
      };
    });
    emit(global, result, (r) => {
      const loaded = Object.entries(r.mirrorRows)
        .map(([t, n]) => `${n} ${t}`)
        .join(', ');
      const lines = [
        `Loaded the example HubSpot mirror (${loaded}) into the ${r.kind} database at ${r.database}`,
        `Reconciled the legacy export in ${path.relative(process.cwd(), EXAMPLES.legacyExport) || EXAMPLES.legacyExport}:`,
        summaryTable(r.summaries),
        ...warningLines(r.summaries),
        'Staging tables: staging.<object>; runs: staging.reconciliation_log; set-aside rows: staging.quarantine',
      ];
      // Printed the way it runs from here (`crm-bridge` is on PATH only after `npm link` or a global install).
      const run = `${cliCommand()}${global.home ? ` --home ${global.home}` : ''}`;
      if (r.example) lines.push(`Try: ${run} lookup --object ${r.example.object} --legacy-id ${r.example.legacyId}`);
      if (r.fuzzyExample) {
        lines.push(
          `     ${run} lookup --object ${r.fuzzyExample.object} --legacy-id ${r.fuzzyExample.legacyId}   (a fuzzy match: no legacy ID on the target)`,
        );
      }
      return lines.join('\n');
    });
  } catch (error) {
    fail(error, global);
  }
};
