import type { Command } from 'commander';
import { CrmNameSchema } from '../../core/connectors/requests';
import { applyStaging, type ApplyTarget } from '../../core/apply/apply';
import { applyOrder } from '../../core/apply/parents';
import type { ApplyReport, PlanLine } from '../../core/apply/schemas';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { UsageError } from '../../core/errors';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table, type Verdict } from '../output';

interface ApplyOptions {
  to: string;
  object?: string[];
  dryRun?: boolean;
  limit?: number;
  planLimit?: number;
  connections?: string;
}

const show = (v: string | null | undefined) => (v === undefined ? '' : JSON.stringify(v));

function describeLine(l: PlanLine): string {
  if (l.action === 'held') return `held     ${l.legacyId}  (${l.reason})`;
  const changes = l.changes
    .map((c) => `${c.property}: ${'old' in c ? `${show(c.old)} -> ` : ''}${show(c.new)}`)
    .join(', ');
  const parents = Object.entries(l.associate)
    .map(([o, k]) => `${o} ${k}`)
    .join(', ');
  return `${l.action.padEnd(8)} ${l.legacyId}${l.targetId ? ` -> ${l.targetId}` : ''}  ${changes}${parents ? `  [associate: ${parents}]` : ''}${l.unlink.length ? `  [unlink: ${l.unlink.join(', ')}]` : ''}`;
}

interface Outcome {
  reports: ApplyReport[];
  /** Objects that could not be applied at all (the CRM lacks the object or a property), with why. */
  notApplied: Array<{ object: string; error: string }>;
}

function render({ reports, notApplied }: Outcome): string {
  const lines = [
    table(
      [
        'object',
        'status',
        'creates',
        'updates',
        'links',
        'survivors',
        'held back',
        'created',
        'updated',
        'unchanged',
        'failed',
        'in agreement',
        'orphans',
      ],
      reports.map((r) => [
        r.object,
        r.dryRun ? 'plan' : r.status,
        r.counts.creates,
        r.counts.updates,
        r.counts.links,
        r.counts.survivors,
        r.counts.heldBack,
        r.counts.created,
        r.counts.updated,
        r.counts.unchanged,
        r.counts.failed,
        r.counts.inAgreement,
        r.counts.orphans,
      ]),
    ),
  ];
  for (const r of reports) {
    for (const [reason, n] of Object.entries(r.heldBackReasons)) lines.push(`${r.object}: ${n} held back (${reason})`);
    if (r.counts.quarantined)
      lines.push(
        `${r.object}: ${r.counts.quarantined} export row(s) quarantined by the last reconcile are not in staging (crm-bridge lookup names them)`,
      );
    for (const f of r.failures.slice(0, 20)) lines.push(`${r.object} ${f.legacyId} ${f.action} refused: ${f.error}`);
    if (r.counts.failed > 20) lines.push(`… ${r.counts.failed - 20} more refusal(s) (--json, or staging.apply_audit)`);
    if (r.stoppedAtLimit) lines.push(`${r.object}: stopped at --limit; run again to go on`);
    if (r.dryRun) {
      for (const l of r.plan.slice(0, 200)) lines.push(describeLine(l));
      const more = Math.max(0, r.plan.length - 200) + r.planOmitted;
      if (more) lines.push(`… ${more} more plan line(s) (--json and --plan-limit)`);
    }
  }
  for (const n of notApplied) lines.push(`${n.object}: not applied — ${n.error}`);
  return lines.join('\n');
}

function verdictOf({ reports, notApplied }: Outcome): Verdict | undefined {
  const failed = reports.reduce((n, r) => n + r.counts.failed, 0);
  if (notApplied.length)
    return {
      kind: reports.length ? 'partial' : 'input',
      message: `not applied: ${notApplied.map((n) => `${n.object} (${n.error})`).join('; ')}`,
    };
  if (failed === 0) return undefined;
  const first = reports.flatMap((r) => r.failures.map((f) => `${r.object} ${f.legacyId}: ${f.error}`)).slice(0, 3);
  return {
    kind: 'partial',
    message: `${failed} record(s) refused by the CRM, kept for the next apply: ${first.join('; ')}`,
  };
}

export const applyAction = async (opts: ApplyOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    if (CrmNameSchema.parse(opts.to) !== 'hubspot')
      throw new UsageError(`apply writes to hubspot (the CRM the mirror and mapping describe), not "${opts.to}"`);
    const target = (await openConnector('hubspot', loadConnections(opts.connections))) as unknown as ApplyTarget;
    const outcome = await withDatabase(global, async (db, mapping) => {
      const out: Outcome = { reports: [], notApplied: [] };
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error('stopped by signal'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        for (const object of applyOrder(mapping.config, opts.object)) {
          try {
            out.reports.push(
              await applyStaging(db, {
                object,
                mapping,
                target,
                dryRun: opts.dryRun ?? false,
                limit: opts.limit,
                planLimit: opts.planLimit,
                signal: stop.signal,
              }),
            );
          } catch (error) {
            // One object the CRM cannot take (no such object, a missing property) does not stop its siblings;
            // anything else (the database, credentials, a signal) stops the run.
            const status = (error as { status?: number }).status;
            const refusedObject = (error as Error).name === 'HubSpotError' && (status === 400 || status === 404);
            if ((error as Error).name !== 'InputError' && !refusedObject) throw error;
            out.notApplied.push({ object, error: (error as Error).message });
          }
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return out;
    });
    emit(global, outcome, render, verdictOf(outcome));
  } catch (error) {
    fail(error, global);
  }
};
