import type { Command } from 'commander';
import { ReportInputSchema, writeReport, type ReportResult } from '../../core/report';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table } from '../output';

function render(result: ReportResult): string {
  const reconciled = result.objects.filter((o) => o.reconciled);
  const lines = [`Wrote ${result.file} (${Math.round(result.bytes / 1024)} KiB)`];
  if (reconciled.length === 0)
    lines.push('No object has been reconciled yet: the page says so. Run crm-bridge reconcile first.');
  else {
    lines.push(
      table(
        ['object', 'records', 'statuses', 'quarantined', 'field issues', 'updates pending', 'latest apply'],
        result.objects.map((o) => [
          o.object,
          o.reconciled ? o.records : 'not reconciled yet',
          Object.entries(o.statuses)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
          o.quarantined,
          o.fieldIssues,
          o.updatesPending,
          o.apply ? `${o.apply.status}, ${o.apply.refused} refused` : 'no apply yet',
        ]),
      ),
    );
  }
  for (const o of result.objects) {
    if (o.latestRunStatus && o.latestRunStatus !== 'succeeded')
      lines.push(
        `note: the latest run of ${o.object} is ${o.latestRunStatus}; the page shows the last one that succeeded`,
      );
  }
  return lines.join('\n');
}

export const reportAction = async (opts: { out: string; object?: string[] }, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const input = ReportInputSchema.parse({ out: opts.out, objects: opts.object });
    const result = await withDatabase(global, (db, mapping) => writeReport(db, mapping, input));
    emit(global, result, render);
  } catch (error) {
    fail(error, global);
  }
};
