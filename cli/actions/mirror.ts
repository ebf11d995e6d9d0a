import type { Command } from 'commander';
import { CrmNameSchema } from '../../core/connectors/requests';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { UsageError } from '../../core/errors';
import { refreshMirror } from '../../core/mirror/refresh';
import { MirrorInputSchema, type MirrorReport } from '../../core/mirror/schemas';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table } from '../output';
import { describeEntry, verdictOf } from './sync';

interface MirrorOptions {
  from: string;
  object?: string[];
  full?: boolean;
  dryRun?: boolean;
  planLimit?: number;
  connections?: string;
}

// `read again`: records of the look-back window before the cursor, read once more and found as the mirror has them.
const COLUMNS = ['read', 'read again', 'created', 'updated', 'unchanged', 'removed', 'failed'] as const;

function render(report: MirrorReport): string {
  const { sync } = report;
  const rows = sync.streams.map((s) => [
    s.stream,
    s.counts.read,
    s.counts.reread,
    s.counts.created,
    s.counts.updated,
    s.counts.unchanged,
    // Removals happen only in a real run whose stream went through; a plan cannot know them.
    sync.dryRun ? '' : (report.removed[s.stream] ?? 0),
    s.counts.failed,
    sync.dryRun ? 'plan' : s.status,
  ]);
  const lines = [sync.headline, table(['object', ...COLUMNS, 'status'], rows)];
  const created = Object.entries(report.tables)
    .filter(([, t]) => t.created)
    .map(([o]) => o);
  if (created.length) lines.push(`mirror table(s) created: ${created.join(', ')}`);
  for (const [object, t] of Object.entries(report.tables))
    if (t.columnsAdded.length) lines.push(`${object}: column(s) added: ${t.columnsAdded.join(', ')}`);
  for (const s of sync.streams) {
    if (s.error) lines.push(`${s.stream} stopped: ${s.error}`);
    for (const p of s.problems.slice(0, 3))
      lines.push(`${s.stream}: ${p.count} ${p.kind}: ${p.reason}${p.count > 1 ? ` (first: ${p.example})` : ''}`);
  }
  if (sync.dryRun) {
    const shown = sync.plan.filter((e) => e.action !== 'unchanged').slice(0, 200);
    for (const e of shown) lines.push(describeEntry(e));
    const more = sync.plan.length - shown.length + sync.planOmitted;
    if (more > 0) lines.push(`… ${more} more plan line(s) (use --json and --plan-limit)`);
    lines.push('dry run: nothing was created or written (the mirror tables are created by a real run)');
  }
  return lines.join('\n');
}

export const mirrorAction = async (opts: MirrorOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    if (CrmNameSchema.parse(opts.from) !== 'hubspot')
      throw new UsageError(`mirror copies from hubspot (the CRM the mapping describes), not "${opts.from}"`);
    const input = MirrorInputSchema.parse({
      ...(opts.object ? { objects: opts.object } : {}),
      full: opts.full ?? false,
      dryRun: opts.dryRun ?? false,
    });
    const hubspot = await openConnector('hubspot', loadConnections(opts.connections));
    const report = await withDatabase(global, async (db, mapping) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error('stopped by signal'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        return await refreshMirror(db, {
          ...input,
          mapping,
          hubspot,
          signal: stop.signal,
          ...(opts.planLimit !== undefined ? { planLimit: opts.planLimit } : {}),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
    emit(global, report, render, verdictOf(report.sync));
  } catch (error) {
    fail(error, global);
  }
};
