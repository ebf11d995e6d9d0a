import type { SourceRecord } from '../connectors/connector';
import { advanced, lookback, requiredCursorOf } from '../connectors/cursor';
import { resolveConflicts } from '../conflicts/resolve';
import { inTransaction } from '../db/sql';
import type { Value } from '../connectors/connector';
import { reverseProperties, type ReverseProperty } from './reverse';
import { createFields, createInSource } from './reverse-create';
import {
  insertAudit,
  loadCursor,
  loadSyncedByTarget,
  saveCursor,
  saveSynced,
  settleAudit,
  type AuditIntent,
  type SyncedRecord,
  type Values,
} from './store';
import type { StreamRun } from './run-context';

/** Suffix of a stream's reverse direction in cursors and the audit log (`loans~reverse`). */
export const REVERSE = '~reverse';

/** Two-way: reads the target since its own cursor and brings people's edits back to the source. */
export async function runReverse(runner: StreamRun): Promise<void> {
  const { ctx, stream } = runner;
  const job = ctx.job;
  const props = await reversible(runner);
  if (props.length === 0 && !stream.source.key) return;
  const name = `${stream.name}${REVERSE}`;
  const stored = await loadCursor(ctx.sql, job.name, name);
  const since = stored ? lookback(stored, job.lookbackSeconds) : undefined;
  let batch: SourceRecord[] = [];
  const flush = async () => {
    await processReverse(runner, batch, advanced(stored, requiredCursorOf(batch.at(-1)!)));
    batch = [];
  };
  for await (const item of ctx.target.read(stream.target.object, {
    ...(since ? { since } : {}),
    properties: [...new Set([...props.map((p) => p.target), ...createFields(runner)])],
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  })) {
    if (item.type !== 'record') continue;
    batch.push(item.record);
    if (batch.length >= job.batchSize) await flush();
  }
  if (batch.length) await flush();
}

/**
 * The stream's properties that can flow back: those the target stores as written (a stage written by name comes
 * back as the stage's ID, which would look like someone's edit on every read).
 */
async function reversible(runner: StreamRun): Promise<ReverseProperty[]> {
  const comparable = new Set(await runner.comparableFields());
  return reverseProperties(runner.ctx.job, runner.stream).filter((p) => comparable.has(p.target));
}

async function processReverse(runner: StreamRun, records: SourceRecord[], cursor: string): Promise<void> {
  const { ctx, stream, mapper } = runner;
  const job = ctx.job;
  const props = await reversible(runner);
  const links = await loadSyncedByTarget(
    ctx.sql,
    job.name,
    stream.name,
    records.map((r) => r.id),
  );
  // Records the engine never linked (made in the target by someone) are created in the source when the stream names
  // a source key, and otherwise left alone.
  const changed: Array<{ record: SourceRecord; link: SyncedRecord; fields: Map<string, Value> }> = [];
  const unlinked = records.filter((r) => !links.has(r.id));
  const createFailures = await createInSource(runner, unlinked, props, `${stream.name}${REVERSE}`);
  for (const record of records) {
    const link = links.get(record.id);
    if (!link) continue;
    const fields = new Map<string, Value>();
    for (const p of props) {
      const now = mapper.normaliseTarget(p.target, record.properties[p.target] ?? null);
      const written = link.written[p.target] ?? null;
      if (mapper.sameValue(p.target, written, now)) continue;
      if (now === null && !runner.allowBlank) continue;
      fields.set(p.target, now);
    }
    if (fields.size) changed.push({ record, link, fields });
    else runner.counts.echoes++;
  }
  if (changed.length === 0) {
    // A record that could not be created is read again next run: the cursor stays before the batch.
    if (!ctx.dryRun && createFailures === 0) await saveCursor(ctx.sql, job.name, `${stream.name}${REVERSE}`, cursor);
    return;
  }

  // What the source holds now: a field changed on both sides since the last sync is a conflict for the rules.
  const current = new Map<string, SourceRecord>();
  if (ctx.source.readByIds) {
    for await (const item of ctx.source.readByIds(
      stream.source.object,
      changed.map((c) => c.link.sourceId),
      { properties: runner.sourceFields },
    )) {
      if (item.type === 'record') current.set(item.record.id, item.record);
    }
  }
  const rules = job.conflicts ?? {};
  const plans = changed.map(({ record, link, fields }) => {
    const source = current.get(link.sourceId);
    const desired = source ? mapper.map(source.properties).values : {};
    const toSource: Values = {};
    const toTarget: Values = {};
    const written: Values = { ...link.written };
    for (const [field, value] of fields) {
      const mine = desired[field] ?? null;
      const sourceChanged =
        source !== undefined && field in desired && !mapper.sameValue(field, link.written[field] ?? null, mine);
      if (sourceChanged && !mapper.sameValue(field, mine, value)) {
        runner.counts.conflicts++;
        const resolved = resolveConflicts(
          [
            {
              source: 'source',
              record: { [field]: mine },
              ...(source.modifiedAt ? { modifiedAt: source.modifiedAt } : {}),
            },
            {
              source: 'target',
              record: { [field]: value },
              ...(record.modifiedAt ? { modifiedAt: record.modifiedAt } : {}),
            },
          ],
          rules,
        );
        const won = resolved.provenance[field]?.source === 'source' ? 'source' : 'target';
        if (won === 'target') toSource[field] = value;
        else toTarget[field] = mine;
        written[field] = won === 'target' ? value : mine;
      } else {
        toSource[field] = value;
        written[field] = value;
      }
    }
    return { record, link, toSource, toTarget, written };
  });
  for (const p of plans) {
    runner.note({
      stream: `${stream.name}${REVERSE}`,
      sourceId: p.link.sourceId,
      action: 'update',
      targetId: p.record.id,
      targetKey: p.link.targetKey,
      changes: Object.entries(p.toSource).map(([field, value]) => ({
        field,
        old: p.link.written[field] ?? null,
        new: value,
      })),
    });
  }
  if (ctx.dryRun) return;

  const reverseName = `${stream.name}${REVERSE}`;
  const back = plans.filter((p) => Object.keys(p.toSource).length);
  const forth = plans.filter((p) => Object.keys(p.toTarget).length);
  const backIds = await insertAudit(
    ctx.sql,
    ctx.runId,
    job.name,
    reverseName,
    back.map((p) => ({
      sourceId: p.link.sourceId,
      targetKey: p.link.targetKey,
      targetId: p.record.id,
      action: 'update',
      before: pick(p.link.written, Object.keys(p.toSource)),
      after: p.toSource,
      result: 'pending',
    })),
  );
  const forthIds = await insertAudit(
    ctx.sql,
    ctx.runId,
    job.name,
    stream.name,
    forth.map((p) => ({
      sourceId: p.link.sourceId,
      targetKey: p.link.targetKey,
      targetId: p.record.id,
      action: 'update',
      before: pick(p.link.written, Object.keys(p.toTarget)),
      after: p.toTarget,
      result: 'pending',
    })),
  );

  const sourceUpsert = ctx.source.upsert?.bind(ctx.source);
  if (!sourceUpsert) throw new Error(`Two-way sync writes to ${job.source}, whose connector cannot write`);
  const idField = (await ctx.source.describe(stream.source.object)).idField;
  const byTarget = new Map(props.map((p) => [p.target, p]));
  const backResults = back.length
    ? new Map(
        (
          await sourceUpsert(
            stream.source.object,
            back.map((p) => ({
              key: p.link.sourceId,
              properties: Object.fromEntries(
                Object.entries(p.toSource).map(([f, v]) => [byTarget.get(f)!.source, byTarget.get(f)!.toSource(v)]),
              ),
            })),
            { keyProperty: idField, detectUnchanged: false },
          )
        ).map((r) => [r.key, r]),
      )
    : new Map();
  const forthResults = forth.length
    ? await runner.write(forth.map((p) => ({ key: p.link.sourceId, properties: p.toTarget })))
    : new Map();

  const settled: Array<{ id: string; result: AuditIntent['result']; targetId?: string | null; error?: string | null }> =
    [];
  const agreed: SyncedRecord[] = [];
  const failedKeys = new Set<string>();
  const settle = (
    list: typeof plans,
    ids: string[],
    results: Map<string, { status: string; error?: string }>,
    where: string,
  ) =>
    list.forEach((p, i) => {
      const r = results.get(p.link.sourceId);
      if (!r || r.status === 'failed') {
        const error = `${where} ${p.link.sourceId}: ${r?.error ?? 'no result for this record'}`;
        if (!failedKeys.has(p.link.sourceId)) runner.problems.add('failed', error, p.link.sourceId);
        failedKeys.add(p.link.sourceId);
        settled.push({ id: ids[i]!, result: 'failed', error });
      } else settled.push({ id: ids[i]!, result: r.status as AuditIntent['result'] });
    });
  settle(back, backIds, backResults, stream.source.object);
  settle(forth, forthIds, forthResults, stream.target.object);
  for (const p of plans) if (!failedKeys.has(p.link.sourceId)) agreed.push({ ...p.link, written: p.written });
  runner.counts.reverseUpdated += back.filter((p) => !failedKeys.has(p.link.sourceId)).length;
  runner.counts.failed += failedKeys.size;
  await inTransaction(ctx.sql, async () => {
    await settleAudit(ctx.sql, settled);
    await saveSynced(ctx.sql, job.name, stream.name, agreed);
    // A failed write back is retried by reading it again: the cursor stays before the batch.
    if (failedKeys.size === 0 && createFailures === 0) await saveCursor(ctx.sql, job.name, reverseName, cursor);
  });
}

function pick(values: Values, fields: string[]): Values {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}
