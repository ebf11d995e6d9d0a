import type { Database } from '../db/database';
import { notFoundMessage } from '../reconcile/lookup';
import { ident, type Sql } from '../db/sql';
import { InputError, UsageError } from '../errors';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectMapper } from '../mapping/object-mapper';
import { candidateTargets, stagedColumns, type StagedRow } from '../staging/staged-row';
import { evidenceHash } from './evidence';
import { readMirrorRecords, type MirrorRecord } from './mirror-records';
import {
  DecideInputSchema,
  ReviewListInputSchema,
  type DecideInput,
  type DecideResult,
  type ReviewDecision,
  type ReviewItem,
  type ReviewList,
  type ReviewListInput,
} from './schemas';

interface DecisionRow {
  legacy_id: string;
  decision: ReviewDecision['decision'];
  target_id: string | null;
  evidence_sha256: string;
  decided_by: string;
  decided_at: Date;
  reason: string | null;
}

function requireObject(mapping: LoadedMapping, object: string): void {
  if (!mapping.config.objects[object]) {
    throw new UsageError(
      `Object "${object}" is not in the mapping (it has: ${Object.keys(mapping.config.objects).join(', ')})`,
    );
  }
}

async function requireStaging(sql: Sql, object: string): Promise<void> {
  const { rows } = await sql.query(
    'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
    ['staging', object],
  );
  if (rows.length === 0)
    throw new InputError(`${object} has not been reconciled yet: run crm-bridge reconcile --object ${object} first`);
}

function evidenceOf(row: StagedRow, targets: Map<string, MirrorRecord>): string {
  return evidenceHash(
    row.legacy_properties,
    candidateTargets(row).map((id) => targets.get(id) ?? { id, properties: {} }),
  );
}

async function decisionsFor(sql: Sql, object: string, legacyIds: string[]): Promise<Map<string, DecisionRow>> {
  if (legacyIds.length === 0) return new Map();
  const { rows } = await sql.query<DecisionRow>(
    `SELECT legacy_id, decision, target_id, evidence_sha256, decided_by, decided_at, reason
       FROM staging.review_decisions WHERE object = $1 AND legacy_id = ANY($2::text[])`,
    [object, legacyIds],
  );
  return new Map(rows.map((r) => [r.legacy_id, r]));
}

/** A decision whose evidence still holds, or null (none, or the records changed since it was taken). */
export interface ValidDecision {
  decision: ReviewDecision['decision'];
  targetId: string | null;
  decidedBy: string;
}

/**
 * The decisions that still apply to these staging rows: taken on the same legacy record and the same target
 * record(s) as they are now, and about a target the row still names.
 */
export async function validDecisions(
  sql: Sql,
  mapping: LoadedMapping,
  object: string,
  rows: StagedRow[],
): Promise<Map<string, ValidDecision>> {
  const reviewable = rows.filter((r) => r.status === 'fuzzy_match' || r.status === 'conflict');
  const decisions = await decisionsFor(
    sql,
    object,
    reviewable.map((r) => r.legacy_id),
  );
  if (decisions.size === 0) return new Map();
  const targets = await readMirrorRecords(sql, mapping, object, reviewable.flatMap(candidateTargets));
  const out = new Map<string, ValidDecision>();
  for (const row of reviewable) {
    const d = decisions.get(row.legacy_id);
    if (!d || d.evidence_sha256 !== evidenceOf(row, targets)) continue;
    if (d.decision === 'choose' ? !row.target_ids.includes(d.target_id ?? '') : d.target_id !== row.target_id) continue;
    out.set(row.legacy_id, { decision: d.decision, targetId: d.target_id, decidedBy: d.decided_by });
  }
  return out;
}

/** Fuzzy matches and conflicts of an object, with both sides of each and any decision taken, a page at a time. */
export async function listReviewItems(
  db: Database,
  mapping: LoadedMapping,
  input: ReviewListInput,
): Promise<ReviewList> {
  const { object, kind, undecidedOnly, limit, cursor: given, after } = ReviewListInputSchema.parse(input);
  requireObject(mapping, object);
  const mapper = new ObjectMapper(mapping.config, object);
  return db.withConnection(async (sql) => {
    await requireStaging(sql, object);
    const table = `staging.${ident(object)}`;
    const statuses = kind === 'all' ? ['fuzzy_match', 'conflict'] : [kind];
    const counts = await sql.query<{ fuzzy_match: number; conflict: number; decided: number; stale: number }>(
      `SELECT count(*) FILTER (WHERE s.status = 'fuzzy_match')::int AS fuzzy_match, count(*) FILTER (WHERE s.status = 'conflict')::int AS conflict,
              count(d.legacy_id)::int AS decided, 0 AS stale
         FROM ${table} s LEFT JOIN staging.review_decisions d ON d.object = $1 AND d.legacy_id = s.legacy_id
        WHERE s.status IN ('fuzzy_match', 'conflict')`,
      [object],
    );
    const items: ReviewItem[] = [];
    let cursor = given ?? after ?? '';
    let exhausted = false;
    // Pages of staging rows until `limit` items are kept (undecidedOnly filters after the evidence check).
    while (items.length < limit && !exhausted) {
      const { rows } = await sql.query<StagedRow>(
        `SELECT ${stagedColumns()}
           FROM ${table} WHERE status = ANY($1::text[]) AND legacy_id > $2 ORDER BY legacy_id LIMIT $3`,
        [statuses, cursor, limit],
      );
      exhausted = rows.length < limit;
      if (rows.length === 0) break;
      const targets = await readMirrorRecords(sql, mapping, object, rows.flatMap(candidateTargets));
      const decisions = await decisionsFor(
        sql,
        object,
        rows.map((r) => r.legacy_id),
      );
      for (const row of rows) {
        cursor = row.legacy_id;
        const d = decisions.get(row.legacy_id);
        const stale = d ? d.evidence_sha256 !== evidenceOf(row, targets) : false;
        if (undecidedOnly && d && !stale) continue;
        items.push(
          toItem(
            mapper,
            row,
            targets,
            d
              ? {
                  decision: d.decision,
                  targetId: d.target_id,
                  decidedBy: d.decided_by,
                  decidedAt: d.decided_at.toISOString(),
                  reason: d.reason,
                  stale,
                }
              : null,
          ),
        );
        if (items.length === limit) break;
      }
    }
    const c = counts.rows[0]!;
    const staleCount = await countStale(sql, mapping, object);
    return {
      object,
      items,
      counts: { fuzzyMatch: c.fuzzy_match, conflict: c.conflict, decided: c.decided, stale: staleCount },
      nextCursor: items.length === limit ? cursor : null,
    };
  });
}

async function countStale(sql: Sql, mapping: LoadedMapping, object: string): Promise<number> {
  const { rows } = await sql.query<StagedRow>(
    `SELECT ${stagedColumns('s')}
       FROM staging.${ident(object)} s JOIN staging.review_decisions d ON d.object = $1 AND d.legacy_id = s.legacy_id
      WHERE s.status IN ('fuzzy_match', 'conflict')`,
    [object],
  );
  const valid = await validDecisions(sql, mapping, object, rows);
  return rows.length - valid.size;
}

function toItem(
  mapper: ObjectMapper,
  row: StagedRow,
  targets: Map<string, MirrorRecord>,
  decision: ReviewDecision | null,
): ReviewItem {
  const mapped = row.legacy_properties ? mapper.map(row.legacy_properties).values : {};
  const sides = candidateTargets(row).map((id) => targets.get(id) ?? { id, properties: {} });
  return {
    legacyId: row.legacy_id,
    status: row.status as ReviewItem['status'],
    confidence: row.match_confidence,
    reasons:
      row.status === 'fuzzy_match'
        ? row.notes.filter((n) => n.startsWith('fuzzy: ')).map((n) => n.slice(7))
        : row.notes.slice(0, 1),
    comparison: mapper.targetProperties.map((property) => ({
      property,
      legacy: mapped[property] ?? null,
      targets: Object.fromEntries(
        sides.map((t) => [t.id, mapper.normaliseTarget(property, t.properties[property] ?? null)]),
      ),
    })),
    targets: sides,
    decision,
  };
}

/**
 * Records a person's decision on fuzzy matches (approve / reject) or conflicts (choose the surviving record), with who,
 * when and why, and the evidence it was taken on. An ID that is not waiting for this kind of decision is refused
 * with the reason, and the others are still recorded.
 */
export async function decideReviewItems(
  db: Database,
  mapping: LoadedMapping,
  input: DecideInput,
): Promise<DecideResult> {
  const { object, legacyIds, decision, targetId, decidedBy, reason } = DecideInputSchema.parse(input);
  requireObject(mapping, object);
  return db.withConnection(async (sql) => {
    await requireStaging(sql, object);
    const unique = [...new Set(legacyIds)];
    const { rows } = await sql.query<StagedRow>(
      `SELECT ${stagedColumns()}
         FROM staging.${ident(object)} WHERE legacy_id = ANY($1::text[])`,
      [unique],
    );
    const byId = new Map(rows.map((r) => [r.legacy_id, r]));
    const targets = await readMirrorRecords(sql, mapping, object, rows.flatMap(candidateTargets));
    const result: DecideResult = { object, decided: [], refused: [] };
    for (const legacyId of unique) {
      const row = byId.get(legacyId);
      const refusal = !row
        ? notFoundMessage({ object, legacyId })
        : decision === 'choose' && row.status !== 'conflict'
          ? `${legacyId} is ${row.status}, not a conflict: only conflicts have a record to choose`
          : decision !== 'choose' && row.status !== 'fuzzy_match'
            ? `${legacyId} is ${row.status}, not a fuzzy match: only fuzzy matches are approved or rejected`
            : decision === 'choose' && !row.target_ids.includes(targetId!)
              ? `${targetId} is not one of the records in conflict for ${legacyId} (${row.target_ids.join(', ')})`
              : null;
      if (refusal || !row) {
        result.refused.push({ legacyId, reason: refusal ?? 'not found' });
        continue;
      }
      const chosen = decision === 'choose' ? targetId! : row.target_id;
      await sql.query(
        `INSERT INTO staging.review_decisions (object, legacy_id, decision, target_id, evidence_sha256, decided_by, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (object, legacy_id) DO UPDATE SET decision = EXCLUDED.decision, target_id = EXCLUDED.target_id,
           evidence_sha256 = EXCLUDED.evidence_sha256, decided_by = EXCLUDED.decided_by, decided_at = now(), reason = EXCLUDED.reason`,
        [object, legacyId, decision, chosen, evidenceOf(row, targets), decidedBy, reason ?? null],
      );
      result.decided.push({ legacyId, decision, targetId: chosen });
    }
    return result;
  });
}
