import type { SourceRecord } from '../connectors/connector';
import { inTransaction } from '../db/sql';
import { loadLinkStates } from './delete-store';
import type { ReverseProperty } from './reverse';
import type { StreamRun } from './run-context';
import { insertAudit, loadSyncedByTarget, saveSynced, settleAudit, type SyncedRecord, type Values } from './store';

/** The target fields a reverse read needs for creates: the key (set on rows this job wrote) and the references. */
export function createFields(runner: StreamRun): string[] {
  const { stream } = runner;
  if (!stream.source.key) return [];
  return [stream.target.key, ...stream.references.map((r) => r.to)];
}

/**
 * Two-way streams whose source names a key (`source.key`, the source field that holds the target record's ID) create
 * in the source the target records nobody linked: people's new records. Each is upserted into the source by that key
 * (a run stopped half-way sends it again without a duplicate), its references pointed at the parents' source records,
 * then the target record gets the new source ID in the stream's target key and the two are linked, so the forward
 * pass finds it as written and nothing echoes. Target records that carry a target key already (written for a source
 * record by this or another job), or whose link the engine closed by a delete, are left alone. Returns the failures.
 */
export async function createInSource(
  runner: StreamRun,
  records: SourceRecord[],
  props: ReverseProperty[],
  name: string,
): Promise<number> {
  const { ctx, stream } = runner;
  const sourceKey = stream.source.key;
  if (!sourceKey || records.length === 0) return 0;
  const closed = await loadLinkStates(
    ctx.sql,
    ctx.job.name,
    stream.name,
    'target',
    records.map((r) => r.id),
  );
  const fresh = records.filter((r) => !closed.has(r.id) && !(r.properties[stream.target.key] ?? '').trim());
  if (fresh.length === 0) return 0;

  const plans = [];
  for (const record of fresh) {
    const toSource: Values = { [sourceKey]: record.id };
    const written: Values = {};
    for (const p of props) {
      const value = record.properties[p.target] ?? null;
      if (value === null) continue;
      toSource[p.source] = p.toSource(value);
      written[p.target] = value;
    }
    plans.push({ record, toSource, written, missingParents: [] as string[] });
  }
  for (const ref of stream.references) {
    const parentIds = [...new Set(fresh.map((r) => (r.properties[ref.to] ?? '').trim()).filter(Boolean))];
    const parents = await loadSyncedByTarget(ctx.sql, ctx.job.name, ref.stream, parentIds);
    for (const p of plans) {
      const parent = (p.record.properties[ref.to] ?? '').trim();
      if (!parent) continue;
      const link = parents.get(parent);
      // A dry run has not created the parent its stream's reverse pass planned: it counts as there.
      const planned = `${ref.stream}${name.slice(stream.name.length)}`;
      if (link) {
        p.toSource[ref.from] = link.sourceId;
        p.written[ref.to] = parent;
      } else if (ctx.dryRun && ctx.plan.some((e) => e.stream === planned && e.sourceId === parent))
        p.toSource[ref.from] = `(new ${ref.stream} ${parent})`;
      else p.missingParents.push(`${ref.to} ${parent} is not linked to a record of stream ${ref.stream}`);
    }
  }
  for (const p of plans)
    runner.note({
      stream: name,
      sourceId: p.record.id,
      action: 'create',
      targetId: p.record.id,
      targetKey: p.record.id,
      changes: Object.entries(p.toSource).map(([field, value]) => ({ field, new: value })),
      reason: `made in ${ctx.target.system}${p.missingParents.length ? `; created without its parent: ${p.missingParents.join('; ')}` : ''}`,
    });
  if (ctx.dryRun) {
    runner.counts.reverseCreated += plans.length;
    return 0;
  }

  const upsert = ctx.source.upsert?.bind(ctx.source);
  const targetUpsert = ctx.target.upsert?.bind(ctx.target);
  if (!upsert || !targetUpsert)
    throw new Error(`Creating records made in ${ctx.target.system} needs both connectors to write`);
  const ids = await insertAudit(
    ctx.sql,
    ctx.runId,
    ctx.job.name,
    name,
    plans.map((p) => ({
      sourceId: p.record.id,
      targetKey: p.record.id,
      targetId: p.record.id,
      action: 'create',
      before: null,
      after: p.toSource,
      result: 'pending',
    })),
  );
  const created = new Map(
    (
      await upsert(
        stream.source.object,
        plans.map((p) => ({ key: p.record.id, properties: p.toSource })),
        { keyProperty: sourceKey, detectUnchanged: false },
      )
    ).map((r) => [r.key, r]),
  );
  const idField = (await ctx.target.describe(stream.target.object)).idField;
  const made = plans.filter((p) => created.get(p.record.id)?.id);
  const keyed = new Map(
    (
      await targetUpsert(
        stream.target.object,
        made.map((p) => ({
          key: p.record.id,
          properties: { [stream.target.key]: created.get(p.record.id)!.id! },
        })),
        { keyProperty: idField, detectUnchanged: false },
      )
    ).map((r) => [r.key, r]),
  );

  // The new source records' modified times, so a run that reads them again in its look-back window knows them as
  // written (as it knows the records it wrote forward) instead of reading the target back each time.
  const modified = new Map<string, string>();
  const newIds = made.map((p) => created.get(p.record.id)!.id!);
  if (ctx.source.readByIds && newIds.length)
    for await (const item of ctx.source.readByIds(stream.source.object, newIds, { properties: [sourceKey] }))
      if (item.type === 'record' && item.record.modifiedAt) modified.set(item.record.id, item.record.modifiedAt);

  let failures = 0;
  const settled: Array<{ id: string; result: 'created' | 'updated' | 'failed'; error?: string }> = [];
  const links: SyncedRecord[] = [];
  const sourceIds: Array<{ audit: string; sourceId: string }> = [];
  plans.forEach((p, i) => {
    const r = created.get(p.record.id);
    const k = keyed.get(p.record.id);
    const error =
      !r?.id || r.status === 'failed'
        ? `${stream.source.object} from ${stream.target.object} ${p.record.id}: ${r?.error ?? 'no ID came back'}`
        : !k || k.status === 'failed'
          ? `${stream.target.object} ${p.record.id}: ${stream.target.key} not set to ${r.id}: ${k?.error ?? 'no result'}`
          : null;
    if (error) {
      failures++;
      runner.counts.failed++;
      runner.problems.add('failed', error, p.record.id);
      settled.push({ id: ids[i]!, result: 'failed', error });
      return;
    }
    settled.push({ id: ids[i]!, result: r!.status === 'updated' ? 'updated' : 'created' });
    sourceIds.push({ audit: ids[i]!, sourceId: r!.id! });
    runner.counts.reverseCreated++;
    links.push({
      sourceId: r!.id!,
      targetId: p.record.id,
      targetKey: r!.id!,
      written: { ...p.written, [stream.target.key]: r!.id! },
      ...(modified.has(r!.id!) ? { sourceModifiedAt: modified.get(r!.id!)! } : {}),
    });
  });
  await inTransaction(ctx.sql, async () => {
    await settleAudit(ctx.sql, settled);
    // The audit line was written before the source ID existed; it names the record created now.
    for (const s of sourceIds)
      await ctx.sql.query('UPDATE sync.audit SET source_id = $2 WHERE id = $1', [s.audit, s.sourceId]);
    await saveSynced(ctx.sql, ctx.job.name, stream.name, links);
  });
  return failures;
}
