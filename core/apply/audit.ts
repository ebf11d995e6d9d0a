import type { Sql } from '../db/sql';
import type { Value } from '../connectors/connector';

export type AuditAction = 'create' | 'update' | 'link' | 'associate';
export type AuditResult = 'created' | 'updated' | 'unchanged' | 'failed';

export interface AuditEntry {
  legacyId: string;
  action: AuditAction;
  targetId: string | null;
  before: Record<string, Value> | null;
  after: Record<string, Value>;
}

export interface Settlement {
  id: number;
  result: AuditResult;
  targetId?: string | null;
  error?: string | null;
}

/** Records what is about to be sent, as `pending`, before it is sent; returns the rows' IDs in input order. */
export async function writePending(sql: Sql, runId: string, object: string, entries: AuditEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO staging.apply_audit (run_id, object, legacy_id, action, target_id, before, after, result)
     SELECT $1, $2, u.legacy_id, u.action, u.target_id, u.before::jsonb, u.after::jsonb, 'pending'
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(legacy_id, action, target_id, before, after, n)
      ORDER BY u.n
     RETURNING id`,
    [
      runId,
      object,
      entries.map((e) => e.legacyId),
      entries.map((e) => e.action),
      entries.map((e) => e.targetId),
      entries.map((e) => (e.before === null ? null : JSON.stringify(e.before))),
      entries.map((e) => JSON.stringify(e.after)),
    ],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Settles pending rows with what the CRM answered, in one statement. */
export async function settle(sql: Sql, settlements: Settlement[]): Promise<void> {
  if (settlements.length === 0) return;
  await sql.query(
    `UPDATE staging.apply_audit a SET result = u.result, target_id = COALESCE(u.target_id, a.target_id), error = u.error, settled_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, result, target_id, error)
      WHERE a.id = u.id`,
    [
      settlements.map((s) => s.id),
      settlements.map((s) => s.result),
      settlements.map((s) => s.targetId ?? null),
      settlements.map((s) => s.error ?? null),
    ],
  );
}

/**
 * Pending rows left by a run that died between sending and settling: marked `interrupted`. Whether the CRM applied
 * them is unknown, which is why the next run sends those records again with a read-back first (see `sentBefore`).
 */
export async function interruptPending(sql: Sql, object: string): Promise<number> {
  const { rowCount } = await sql.query(
    `UPDATE staging.apply_audit SET result = 'interrupted', settled_at = now() WHERE object = $1 AND result = 'pending'`,
    [object],
  );
  return rowCount ?? 0;
}

/**
 * Legacy IDs an earlier run sent, or may have sent, something for (anything but a refusal): for these the CRM may
 * already hold the values, so they are read back before writing and a re-run writes nothing.
 */
export async function sentBefore(sql: Sql, object: string, legacyIds: string[]): Promise<Set<string>> {
  if (legacyIds.length === 0) return new Set();
  const { rows } = await sql.query<{ legacy_id: string }>(
    `SELECT DISTINCT legacy_id FROM staging.apply_audit
      WHERE object = $1 AND legacy_id = ANY($2::text[]) AND action IN ('create', 'update', 'link')
        AND result IN ('created', 'updated', 'unchanged', 'interrupted', 'pending')`,
    [object, legacyIds],
  );
  return new Set(rows.map((r) => r.legacy_id));
}
