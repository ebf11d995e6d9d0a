import type { Decision, StreamRun } from './run-context';
import { checkTarget } from './verify';

/**
 * "Unchanged" rests on the engine's memory of what it wrote (`sync.records`), which a target restored, wiped or
 * edited by hand no longer matches. The records the plan calls unchanged are read back from the target in one
 * batched read: one the target no longer has is created again, whole; one whose values drifted gets them back.
 * A record read again from the look-back window in the very version the engine last wrote was settled by a run
 * seconds ago: checking it would cost a target read on every run (each webhook), so it is left to `--full`.
 */
export async function checkUnchanged(
  runner: StreamRun,
  decisions: Decision[],
  reread: Set<string> | undefined,
): Promise<void> {
  const seenBefore = (d: Decision) =>
    reread?.has(d.p.record.id) && sameInstant(d.before?.sourceModifiedAt, d.p.record.modifiedAt);
  const linked = decisions.filter((d) => d.plan.action === 'unchanged' && d.before?.targetId && !seenBefore(d));
  if (linked.length === 0) return;
  const { mapper, ctx } = runner;
  const object = runner.stream.target.object;
  const check = await checkTarget(
    linked.map((d) => d.before!),
    {
      target: ctx.target,
      object,
      fields: await runner.comparableFields(),
      same: (field, written, now) => mapper.sameValue(field, written, mapper.normaliseTarget(field, now)),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
  );
  if (!check) return;
  for (const d of linked) {
    const id = d.p.record.id;
    const gone = d.before!.targetId;
    if (check.missing.has(id)) {
      const send = Object.fromEntries(Object.entries(d.p.desired).filter(([, v]) => v !== null));
      d.plan = {
        action: 'create',
        send,
        changes: Object.entries(send).map(([field, value]) => ({ field, new: value })),
      };
      d.recreate = true;
      d.reason = `the target no longer has ${object} ${gone}, which this job wrote: created again`;
      continue;
    }
    const drift = check.drifted.get(id);
    // A field the source left blank is not put back (blanks never overwrite unless the job allows it).
    const back = drift ? Object.keys(drift).filter((f) => (d.p.desired[f] ?? null) !== null || runner.allowBlank) : [];
    if (drift && back.length) {
      d.plan = {
        action: 'update',
        send: Object.fromEntries(back.map((f) => [f, d.p.desired[f] ?? null])),
        changes: back.map((f) => ({ field: f, old: drift[f] ?? null, new: d.p.desired[f] ?? null })),
      };
      d.repair = true;
      d.reason = `${object} ${gone} was changed in the target since this job wrote it: its values are put back`;
    } else if (check.confirmed.has(id)) runner.counts.verified++;
  }
}

function sameInstant(a: string | null | undefined, b: string | undefined): boolean {
  return !!a && !!b && Date.parse(a) === Date.parse(b);
}
