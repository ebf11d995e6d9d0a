import type { Command } from 'commander';
import { loadConnections } from '../../core/connectors/registry';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { loadSyncJob, openJobConnectors } from '../../core/sync/load-job';
import type { PlanEntry } from '../../core/sync/plan';
import { syncStatus } from '../../core/sync/status';
import { withDatabase, type GlobalOptions } from '../context';
import type { ErrorKind } from '../../core/errors';
import { emit, fail, table, type Verdict } from '../output';

const COLUMNS = [
  'read',
  'skipped',
  'created',
  'updated',
  'unchanged',
  'failed',
  'deferred',
  'rejected',
  'interrupted',
] as const;
// Shown when they happened: records the target had lost or changed, unchanged records read back from the target, and
// deletions carried over (deleted, flagged; reverseDeleted: two-way, deleted in the source), and two-way records
// changed or made in the target and written to the source (reverseUpdated, reverseCreated).
const TARGET_COLUMNS = [
  'recreated',
  'repaired',
  'verified',
  'deleted',
  'flagged',
  'reverseDeleted',
  'reverseUpdated',
  'reverseCreated',
] as const;
// The kind of a stream's error decides the exit code when several streams stopped: a CRM first, then the database.
const ERROR_KINDS: ErrorKind[] = ['crm', 'database', 'usage', 'input', 'failure'];

/** One plan line: the action, the record, and field by field what would change. */
export function describeEntry(e: PlanEntry): string {
  const changes = (e.changes ?? [])
    .map((c) => `${c.field}: ${c.old === undefined ? '' : `${JSON.stringify(c.old)} -> `}${JSON.stringify(c.new)}`)
    .join(', ');
  return `${e.action.padEnd(9)} ${e.stream} ${e.sourceId}${changes ? `  ${changes}` : ''}${e.reason ? `  (${e.reason})` : ''}`;
}

function renderReport(report: SyncReport, showPlan: boolean): string {
  const columns = [...COLUMNS, ...TARGET_COLUMNS.filter((c) => report.totals[c] > 0)];
  const rows = report.streams.map((s) => [s.stream, s.status, ...columns.map((c) => s.counts[c])]);
  const lines = [report.headline, table(['stream', 'status', ...columns], rows)];
  for (const s of report.streams) {
    if (s.error) lines.push(`${s.stream} stopped: ${s.error}`);
    for (const p of s.problems)
      lines.push(`${s.stream}: ${p.count} ${p.kind}: ${p.reason}${p.count > 1 ? ` (first: ${p.example})` : ''}`);
  }
  if (showPlan) {
    const shown = report.plan.filter((e) => e.action !== 'unchanged').slice(0, 200);
    for (const e of shown) lines.push(describeEntry(e));
    const more = report.plan.length - shown.length + report.planOmitted;
    if (more > 0) lines.push(`… ${more} more plan line(s) (use --json and --plan-limit)`);
  }
  return lines.join('\n');
}

/**
 * Not a success unless every record went through: a stream that stopped gives its error's exit code (6 for a CRM
 * unreachable or refusing); records failed, rejected or deferred give 5.
 */
export function verdictOf(report: SyncReport): Verdict | undefined {
  if (report.status === 'succeeded') return undefined;
  const kinds = new Set(report.streams.flatMap((s) => (s.errorKind ? [s.errorKind] : [])));
  return { kind: ERROR_KINDS.find((k) => kinds.has(k)) ?? 'partial', message: report.headline };
}

export const syncAction = async (
  opts: {
    job: string;
    dryRun?: boolean;
    full?: boolean;
    stream?: string[];
    allowMassDelete?: boolean;
    planLimit?: number;
    watch?: boolean;
    every?: number;
    connections?: string;
  },
  command: Command,
) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const job = loadSyncJob(opts.job);
    const { source, target } = await openJobConnectors(job, loadConnections(opts.connections));
    await withDatabase(global, async (db) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error('stopped by signal'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        do {
          const report = await runSync({
            db,
            job,
            source,
            target,
            dryRun: opts.dryRun ?? false,
            full: opts.full ?? false,
            signal: stop.signal,
            ...(opts.stream ? { streams: opts.stream } : {}),
            ...(opts.allowMassDelete ? { allowMassDelete: true } : {}),
            ...(opts.planLimit !== undefined ? { planLimit: opts.planLimit } : {}),
          });
          emit(global, report, (r) => renderReport(r, opts.dryRun ?? false), verdictOf(report));
          if (!opts.watch) break;
          const seconds = opts.every ?? job.schedule?.everySeconds ?? 60;
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, seconds * 1000);
            stop.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                resolve(undefined);
              },
              { once: true },
            );
          });
        } while (!stop.signal.aborted);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  } catch (error) {
    fail(error, global);
  }
};

export const syncStatusAction = async (opts: { job: string }, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const job = loadSyncJob(opts.job);
    await withDatabase(global, async (db) => {
      const status = await syncStatus(db.pool, job, { exclusive: db.kind === 'embedded' });
      emit(global, status, (s) =>
        [
          table(
            ['stream', 'cursor', 'linked', 'waiting', 'given up'],
            s.streams.map((x) => [x.stream, x.cursor ?? '(start)', x.linked, x.waiting, x.givenUp]),
          ),
          table(
            ['run', 'started', 'status', 'dry run', 'process'],
            s.runs.map((r) => [
              r.runId,
              r.startedAt,
              r.status,
              r.dryRun ? 'yes' : 'no',
              r.owner ? `${r.owner.pid}@${r.owner.host}` : '',
            ]),
          ),
          ...s.runs
            .filter((r) => r.error)
            .slice(0, 3)
            .map((r) => `run ${r.runId} ${r.status}: ${r.error}`),
          ...s.waiting.map((w) => `waiting ${w.stream} ${w.sourceId} (attempt ${w.attempts}): ${w.reason}`),
          ...(s.changeEvents.length
            ? [
                table(
                  ['change event channel', 'replay ID', 'events', 'records', 'catch-up polls', 'last catch-up'],
                  s.changeEvents.map((c) => [
                    c.channel,
                    c.replayId ?? '(new events)',
                    c.events,
                    c.records,
                    c.catchUps,
                    c.lastCatchUpReason ?? '',
                  ]),
                ),
              ]
            : []),
        ].join('\n'),
      );
    });
  } catch (error) {
    fail(error, global);
  }
};
