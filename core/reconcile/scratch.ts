import { copyField, copyInto, copyJson, copyRows } from '../db/copy';
import { cursorPages, ident, qualified, type Sql } from '../db/sql';
import type { ObjectMapper } from '../mapping/object-mapper';
import type { Value } from '../connectors/connector';
import type { QuarantineWriter } from '../staging/quarantine';
import type { LegacySide, TargetSide, UnreadableEntry } from './classify';
import type { MappedItem } from './legacy-batches';

export interface LoadProgress {
  (phase: 'legacy' | 'target', rows: number): void;
}

/**
 * What the legacy phase does with each batch of first-seen records, in three steps, so that deciding one batch (CPU
 * on this thread) overlaps with writing the one before it (the database's work).
 */
export interface LegacyStages<Found> {
  /** Reads what deciding the batch needs from the database: the targets that carry its legacy IDs. */
  lookup(batch: LegacySide[]): Promise<Found>;
  /**
   * Decides every record without the database and returns the batch's write. It gives way to I/O now and then, so
   * the write of the previous batch goes on statement by statement while it runs.
   */
  decide(batch: LegacySide[], found: Found): Promise<() => Promise<void>>;
}

/**
 * Takes the export's mapped records in file order and hands every batch of first-seen legacy IDs to `stages`.
 * The IDs seen are kept in the run's scratch table, whose primary key catches a repeated legacy ID without an
 * in-memory set, so memory stays flat however large the export.
 *
 * On the one connection, the statements go: batch N+1's IDs and lookup, then batch N's write while batch N+1 is
 * decided here. At most three batches are held: one being written, one being decided, one being taken in (and, for
 * a large export, a few more read ahead by the reader thread: see legacy-batches.ts).
 */
export async function streamLegacy<Found>(
  sql: Sql,
  runId: string,
  object: string,
  items: AsyncIterable<MappedItem[]>,
  mapper: ObjectMapper,
  quarantine: QuarantineWriter,
  batchSize: number,
  stages: LegacyStages<Found>,
  progress?: LoadProgress,
): Promise<number> {
  let batch: LegacySide[] = [];
  let loaded = 0;
  /** The last batch decided, waiting to be written. */
  let unwritten: (() => Promise<void>) | undefined;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const { rows: inserted } = await sql.query<{ legacy_id: string }>(
      `INSERT INTO staging.run_seen (run_id, legacy_id, line)
       SELECT $1, u.id, u.line FROM unnest($2::text[], $3::int[]) AS u(id, line)
       ON CONFLICT (run_id, legacy_id) DO NOTHING
       RETURNING legacy_id`,
      [runId, rows.map((r) => r.legacyId), rows.map((r) => r.line)],
    );
    // A repeat inside one statement is also skipped by the key, so first-seen is decided by file order here.
    const kept = new Set(inserted.map((r) => r.legacy_id));
    const first: LegacySide[] = [];
    for (const r of rows) {
      if (kept.delete(r.legacyId)) first.push(r);
      else await quarantineDuplicate(sql, runId, object, mapper, quarantine, r);
    }
    const found = await stages.lookup(first);
    const writing = unwritten?.();
    unwritten = undefined;
    // Both settle before either failure is thrown: the transaction is then rolled back with nothing in flight.
    const [decided, written] = await Promise.allSettled([stages.decide(first, found), writing]);
    if (written.status === 'rejected') throw written.reason;
    if (decided.status === 'rejected') throw decided.reason;
    unwritten = decided.value;
    loaded += first.length;
    progress?.('legacy', loaded);
  };

  for await (const taken of items) {
    for (const item of taken) {
      if (item.kind === 'rejected') {
        await quarantine.add({ object, ...item.rejection }, 'row');
        continue;
      }
      const { side } = item;
      for (const issue of side.issues) {
        await quarantine.add(
          {
            object,
            source: side.source,
            line: item.originLine,
            recordId: side.legacyId,
            field: issue.field,
            reason: issue.reason,
            raw: issue.value,
          },
          'field',
        );
      }
      batch.push(side);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  await unwritten?.();
  return loaded;
}

async function quarantineDuplicate(
  sql: Sql,
  runId: string,
  object: string,
  mapper: ObjectMapper,
  quarantine: QuarantineWriter,
  row: LegacySide,
): Promise<void> {
  const idColumn = mapper.spec.legacy.idColumn;
  const { rows } = await sql.query<{ line: number }>(
    'SELECT line FROM staging.run_seen WHERE run_id = $1 AND legacy_id = $2',
    [runId, row.legacyId],
  );
  await quarantine.add(
    {
      object,
      source: row.source,
      line: row.line,
      recordId: row.legacyId,
      field: idColumn,
      reason: `duplicate ${idColumn} ${row.legacyId}: first seen on line ${rows[0]?.line ?? '?'}`,
      raw: Object.values(row.legacyProperties)
        .map((v) => v ?? '')
        .join(','),
    },
    'row',
  );
}

/**
 * The target records that carry each of the given legacy IDs. Plain rows grouped here rather than a jsonb_agg per ID:
 * the database then only reads the index (building the aggregate cost more than the lookup, and on the embedded
 * database that work runs on our thread).
 */
export async function targetsFor(
  sql: Sql,
  runId: string,
  layout: TargetLayout,
  legacyIds: string[],
): Promise<Map<string, TargetSide[]>> {
  const { rows } = await sql.query<{ legacy_id: string; target_id: string; property_values: TextArray }>(
    `SELECT legacy_id, target_id, property_values FROM staging.run_target
      WHERE run_id = $1 AND legacy_id = ANY($2::text[]) ORDER BY target_id`,
    [runId, legacyIds],
  );
  const targets = new Map<string, TargetSide[]>();
  for (const r of rows) {
    const side = { id: r.target_id, properties: layout.read(r.property_values) };
    const list = targets.get(r.legacy_id);
    if (list) list.push(side);
    else targets.set(r.legacy_id, [side]);
  }
  return targets;
}

/** The mirror table reconcile reads the target from: it lives in the same database as staging. */
export interface MirrorTable {
  schema: string;
  table: string;
  idColumn: string;
  legacyIdColumn: string;
}

/** What String.prototype.trim removes, so a legacy ID is trimmed in SQL exactly as it was in JavaScript. */
const JS_WHITESPACE =
  ' \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

type TextArray = Array<string | null>;

/**
 * The mapped properties a run keeps of each target record, and their order in `run_target.property_values`: values
 * only, as text. PostgreSQL builds and stores such an array for 1,000,000 records in a third of the time a JSON
 * object takes (the keys, repeated in every row, were most of its bytes).
 */
export class TargetLayout {
  readonly properties: readonly string[];

  constructor(mirror: MirrorTable, properties: readonly string[]) {
    // The legacy ID has a column of its own, as the mirror connector reports it.
    this.properties = [...new Set(properties)].filter((p) => p !== mirror.legacyIdColumn);
  }

  read(values: TextArray): Record<string, Value> {
    const properties: Record<string, Value> = {};
    for (let i = 0; i < this.properties.length; i++) properties[this.properties[i]!] = values[i] ?? null;
    return properties;
  }
}

/**
 * Copies the target records (ID, trimmed legacy ID, and the mapped properties as text) from the mirror into the run's
 * scratch table in one INSERT ... SELECT: the rows never travel to Node and back, which was most of the phase's CPU.
 * Values are read as `::text`, as the mirror connector reads them, so what classify compares is unchanged.
 */
export async function loadTarget(
  sql: Sql,
  runId: string,
  mirror: MirrorTable,
  layout: TargetLayout,
  progress?: LoadProgress,
): Promise<{ rows: number; unlinked: number }> {
  const values = layout.properties.map((p) => `m.${ident(p, 'column name')}::text`);
  const { rows } = await sql.query<{ rows: number; unlinked: number }>(
    `WITH loaded AS (
       INSERT INTO staging.run_target (run_id, target_id, legacy_id, property_values)
       SELECT $1, m.${ident(mirror.idColumn, 'column name')}::text,
              nullif(btrim(m.${ident(mirror.legacyIdColumn, 'column name')}::text, $2), ''),
              ARRAY[${values.join(', ')}]::text[]
         FROM ${qualified(mirror.schema, mirror.table)} m
       RETURNING legacy_id)
     SELECT count(*)::int AS rows, (count(*) FILTER (WHERE legacy_id IS NULL))::int AS unlinked FROM loaded`,
    [runId, JS_WHITESPACE],
  );
  // Fresh statistics, or the planner guesses the table small and answers every batch's lookup by scanning all of this
  // run's rows (the embedded database has no autovacuum to analyze it): 130 ms per 2,000 IDs at 100k rows, 50 ms after.
  await sql.query('ANALYZE staging.run_target');
  const result = rows[0]!;
  progress?.('target', result.rows);
  return result;
}

/** Keeps legacy records without an ID match in the run's scratch table until the fuzzy fallback has looked at them. */
export async function holdUnmatched(sql: Sql, runId: string, rows: LegacySide[]): Promise<void> {
  if (rows.length === 0) return;
  const run = copyField(runId);
  await copyInto(
    sql,
    'staging.run_unmatched (run_id, legacy_id, source, line, legacy_properties, mapped, issues)',
    copyRows(
      rows.map((r) => [
        run,
        copyField(r.legacyId),
        copyField(r.source),
        copyField(r.line),
        copyJson(r.legacyProperties),
        copyJson(r.mapped),
        copyJson(r.issues),
      ]),
    ),
  );
}

/** A held-back legacy record as `staging.run_unmatched` keeps it. */
export interface UnmatchedRow {
  legacy_id: string;
  source: string;
  line: number;
  legacy_properties: Record<string, Value>;
  mapped: Record<string, Value>;
  issues: LegacySide['issues'];
}

export const UNMATCHED_COLUMNS = ['legacy_id', 'source', 'line', 'legacy_properties', 'mapped', 'issues'] as const;

export function legacySideOf(r: UnmatchedRow): LegacySide {
  return {
    legacyId: r.legacy_id,
    source: r.source,
    line: r.line,
    legacyProperties: r.legacy_properties,
    mapped: r.mapped,
    issues: r.issues,
  };
}

/** Target records of this run by their target ID. */
export async function targetsById(
  sql: Sql,
  runId: string,
  layout: TargetLayout,
  targetIds: string[],
): Promise<Map<string, TargetSide>> {
  if (targetIds.length === 0) return new Map();
  const { rows } = await sql.query<{ target_id: string; property_values: TextArray }>(
    'SELECT target_id, property_values FROM staging.run_target WHERE run_id = $1 AND target_id = ANY($2::text[])',
    [runId, targetIds],
  );
  return new Map(rows.map((r) => [r.target_id, { id: r.target_id, properties: layout.read(r.property_values) }]));
}

/**
 * Target legacy IDs the export did not yield a record for, page by page. `unreadable` lists the rows of this run's
 * quarantine that carry the ID: then the export has the record, only not in a form that could be read.
 *
 * The orphans' IDs are found first, in one statement, into a temporary table dropped with the run's transaction: asked
 * page by page, the planner answered each page with a full anti-join of the run's targets against every legacy ID
 * seen (41 s for 30,000 orphans among 1,000,000 targets, against 0.4 s at 100,000).
 *
 * The scratch tables' IDs are in the "C" collation (migration 0005); beside the quarantine's they are compared in
 * the database's own, or the quarantine's index cannot serve the comparison (at 1M, 26.8 s for the orphans, not 3.8).
 */
export async function* orphanPages(
  sql: Sql,
  runId: string,
  object: string,
  pageSize: number,
): AsyncGenerator<Array<{ legacyId: string; targetIds: string[]; unreadable: UnreadableEntry[] | null }>> {
  await sql.query(
    `CREATE TEMP TABLE crm_bridge_orphans ON COMMIT DROP AS
       SELECT DISTINCT t.legacy_id FROM staging.run_target t
        WHERE t.run_id = $1 AND t.legacy_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM staging.run_seen l WHERE l.run_id = $1 AND l.legacy_id = t.legacy_id)`,
    [runId],
  );
  try {
    const pages = cursorPages<{ legacy_id: string; target_ids: string[]; unreadable: UnreadableEntry[] | null }>(
      sql,
      'crm_bridge_orphan_pages',
      `SELECT o.legacy_id,
              ARRAY(SELECT t.target_id FROM staging.run_target t WHERE t.run_id = $1 AND t.legacy_id = o.legacy_id)
                AS target_ids,
              (SELECT jsonb_agg(jsonb_build_object('source', q.source, 'line', q.line, 'reason', q.reason) ORDER BY q.line, q.id)
                 FROM staging.quarantine q
                WHERE q.run_id = $1 AND q.object = $2 AND q.legacy_id = o.legacy_id COLLATE "default") AS unreadable
         FROM crm_bridge_orphans o
        ORDER BY o.legacy_id`,
      [runId, object],
      pageSize,
    );
    for await (const rows of pages)
      yield rows.map((r) => ({ legacyId: r.legacy_id, targetIds: r.target_ids, unreadable: r.unreadable }));
  } finally {
    // Dropped now rather than at commit; in a transaction that already failed it goes with the rollback, and the
    // failure that matters is the one already on its way.
    await sql.query('DROP TABLE IF EXISTS crm_bridge_orphans').catch(() => undefined);
  }
}
