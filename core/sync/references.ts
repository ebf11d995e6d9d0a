import type { SourceRecord } from '../connectors/connector';
import { loadSynced, lockStream, unlockStream } from './store';
import type { Prepared, StreamRun } from './run-context';

/**
 * Fills each reference with the parent's target ID. A parent not synced yet is fetched from the source by ID and
 * synced first through its own stream; a record whose required parent still cannot be written waits. Returns the
 * records that wait, with why.
 */
export async function resolveReferences(runner: StreamRun, prepared: Prepared[]): Promise<Map<string, string>> {
  const { ctx } = runner;
  const deferred = new Map<string, string>();
  for (const ref of runner.stream.references) {
    const parent = runner.runners.get(ref.stream)!;
    const wanted = [...new Set(prepared.map((p) => (p.record.properties[ref.from] ?? '').trim()).filter(Boolean))];
    let links = await loadSynced(ctx.sql, ctx.job.name, ref.stream, wanted);
    // A dry run that has planned a parent's create already (its own stream ran first) does not plan it twice.
    const missing = wanted.filter(
      (id) =>
        !links.get(id)?.targetId &&
        !(ctx.dryRun && ctx.plan.some((e) => e.stream === ref.stream && e.sourceId === id && e.action === 'create')),
    );
    if (missing.length && ctx.source.readByIds) {
      const fetched: SourceRecord[] = [];
      for await (const item of ctx.source.readByIds(parent.stream.source.object, missing, {
        properties: parent.sourceFields,
      })) {
        if (item.type === 'record') fetched.push(item.record);
      }
      runner.counts.parentsFetched += fetched.length;
      // Another process may be running the parent stream right now: two writers of one person could both find it
      // absent and create it twice. Waiting for the parent's lock (children lock before parents, never the other
      // way) rules that out without deadlocks, since references form no cycle.
      if (!ctx.dryRun) await lockStream(ctx.sql, ctx.job.name, ref.stream);
      try {
        const known = await loadSynced(
          ctx.sql,
          ctx.job.name,
          ref.stream,
          fetched.map((r) => r.id),
        );
        const todo = fetched.filter((r) => !known.get(r.id)?.targetId);
        for (let i = 0; i < todo.length; i += ctx.job.batchSize)
          await parent.processBatch(todo.slice(i, i + ctx.job.batchSize), { forced: true });
      } finally {
        if (!ctx.dryRun) await unlockStream(ctx.sql, ctx.job.name, ref.stream);
      }
      links = await loadSynced(ctx.sql, ctx.job.name, ref.stream, wanted);
    }
    for (const p of prepared) {
      const parentId = (p.record.properties[ref.from] ?? '').trim();
      const targetId = parentId ? links.get(parentId)?.targetId : undefined;
      if (targetId) p.desired[ref.to] = targetId;
      else if (ctx.dryRun && parentId && plannedCreate(runner, ref.stream, parentId))
        p.desired[ref.to] = `(new ${ref.stream} ${parentId})`;
      else if (ref.required && parentId)
        deferred.set(
          p.record.id,
          `${ref.from} points at ${parent.stream.source.object} ${parentId}, which is not in the target yet`,
        );
      else if (ref.required)
        deferred.set(p.record.id, `${ref.from} is blank, and the ${ref.stream} parent is required`);
    }
  }
  return deferred;
}

/** In a dry run, a parent the plan creates counts as there (its ID is not known yet). */
function plannedCreate(runner: StreamRun, stream: string, sourceId: string): boolean {
  const { plan, planOmitted } = runner.ctx;
  return (
    plan.some((e) => e.stream === stream && e.sourceId === sourceId && e.action === 'create') || planOmitted.count > 0
  );
}
