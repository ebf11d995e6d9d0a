import type { Sql } from '../db/sql';
import type { Connector } from '../connectors/connector';
import type { ObjectMapper } from '../mapping/object-mapper';
import type { Value } from '../mapping/transforms';
import type { QuarantineWriter } from '../staging/quarantine';

export interface LoadProgress {
  (phase: 'legacy' | 'target', rows: number): void;
}

interface LegacyRow {
  legacyId: string;
  source: string;
  line: number;
  properties: Record<string, Value>;
  mapped: Record<string, Value>;
  issues: unknown[];
}

/**
 * Streams the export into the run's scratch table, mapping each record on the way. A repeated legacy ID is caught by
 * the primary key rather than an in-memory set, so memory stays flat however large the export.
 */
export async function loadLegacy(
  sql: Sql,
  runId: string,
  object: string,
  legacy: Connector,
  mapper: ObjectMapper,
  quarantine: QuarantineWriter,
  batchSize: number,
  progress?: LoadProgress,
): Promise<number> {
  let batch: LegacyRow[] = [];
  let loaded = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const { rows: inserted } = await sql.query<{ legacy_id: string }>(
      `INSERT INTO staging.run_legacy (run_id, legacy_id, source, line, legacy_properties, mapped, issues)
       SELECT $1, u.id, u.source, u.line, u.props::jsonb, u.mapped::jsonb, u.issues::jsonb
         FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[]) AS u(id, source, line, props, mapped, issues)
       ON CONFLICT (run_id, legacy_id) DO NOTHING
       RETURNING legacy_id`,
      [
        runId,
        rows.map((r) => r.legacyId),
        rows.map((r) => r.source),
        rows.map((r) => r.line),
        rows.map((r) => JSON.stringify(r.properties)),
        rows.map((r) => JSON.stringify(r.mapped)),
        rows.map((r) => JSON.stringify(r.issues)),
      ],
    );
    const kept = new Set(inserted.map((r) => r.legacy_id));
    const duplicates = rows.filter((r) => !kept.has(r.legacyId) || !kept.delete(r.legacyId));
    for (const d of duplicates) {
      const { rows: first } = await sql.query<{ line: number }>('SELECT line FROM staging.run_legacy WHERE run_id = $1 AND legacy_id = $2', [runId, d.legacyId]);
      await quarantine.add(
        {
          object,
          source: d.source,
          line: d.line,
          recordId: d.legacyId,
          field: mapper.spec.legacy.idColumn,
          reason: `duplicate ${mapper.spec.legacy.idColumn} ${d.legacyId}: first seen on line ${first[0]?.line ?? '?'}`,
          raw: Object.values(d.properties).map((v) => v ?? '').join(','),
        },
        'row',
      );
    }
    loaded += rows.length - duplicates.length;
    progress?.('legacy', loaded);
  };

  // Rows of one batch can repeat an ID too; the DB only sees the first, so they are told apart here.
  for await (const item of legacy.read(object)) {
    if (item.type === 'rejected') {
      await quarantine.add({ object, ...item.rejection }, 'row');
      continue;
    }
    const { record } = item;
    const { values, issues } = mapper.map(record.properties);
    for (const issue of issues) {
      await quarantine.add(
        { object, source: record.origin?.source ?? object, line: record.origin?.line, recordId: record.id, field: issue.field, reason: issue.reason, raw: issue.value },
        'field',
      );
    }
    batch.push({
      legacyId: record.id,
      source: record.origin?.source ?? object,
      line: record.origin?.line ?? 0,
      properties: record.properties,
      mapped: values,
      issues,
    });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return loaded;
}

/** Streams the target records (ID, legacy ID and mapped properties) into the run's scratch table. */
export async function loadTarget(
  sql: Sql,
  runId: string,
  target: Connector,
  targetObject: string,
  legacyIdColumn: string,
  properties: string[],
  batchSize: number,
  progress?: LoadProgress,
): Promise<{ rows: number; unlinked: number }> {
  let batch: Array<{ id: string; legacyId: string | null; properties: Record<string, Value> }> = [];
  let rows = 0;
  let unlinked = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    await sql.query(
      `INSERT INTO staging.run_target (run_id, target_id, legacy_id, properties)
       SELECT $1, u.id, u.legacy_id, u.props::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS u(id, legacy_id, props)`,
      [runId, b.map((r) => r.id), b.map((r) => r.legacyId), b.map((r) => JSON.stringify(r.properties))],
    );
    progress?.('target', rows);
  };
  for await (const item of target.read(targetObject, { properties: [legacyIdColumn, ...properties] })) {
    if (item.type !== 'record') continue;
    const legacyId = item.record.properties[legacyIdColumn]?.trim() || null;
    const { [legacyIdColumn]: _omit, ...props } = item.record.properties;
    if (legacyId === null) unlinked++;
    batch.push({ id: item.record.id, legacyId, properties: props });
    rows++;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { rows, unlinked };
}
