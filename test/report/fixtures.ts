import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../core/db/database';

export const SCRIPT = '<script>alert(1)</script>';

/**
 * A copy of a legacy export in which one company's employee count is a script tag: the value cannot be converted,
 * so it lands in the quarantine as a field issue, raw value and all, and from there on the page.
 */
export function exportWithScript(from: string, to: string): { legacyId: string; line: number } {
  cpSync(from, to, { recursive: true });
  const file = path.join(to, 'Company.csv');
  const lines = readFileSync(file, 'utf8').split('\n');
  const header = lines[0]!.replace(/^\uFEFF/, '').split(',');
  const employees = header.indexOf('Comp_Employees');
  // A plain line (no quoted field) with an employee count, well into the file.
  const index = lines.findIndex(
    (l, i) =>
      i > 100 && !l.includes('"') && l.split(',').length === header.length && /^\d+$/.test(l.split(',')[employees]!),
  );
  const fields = lines[index]!.split(',');
  fields[employees] = SCRIPT;
  lines[index] = fields.join(',');
  writeFileSync(file, lines.join('\n'));
  return { legacyId: fields[0]!, line: index + 1 };
}

export interface FakeApply {
  runId: string;
  created: number;
  updated: number;
  refused: number;
  associateRefused: number;
}

/**
 * Apply runs as the apply engine records them: an older finished run, the latest real run (some creates and
 * updates written, some refused with HubSpot's reason, one reason quoting a legacy value), and a newer dry run,
 * which wrote nothing and must not hide the real one.
 */
export async function insertApplyRuns(db: Database, object: string, at: Date = new Date()): Promise<FakeApply> {
  const ids = async (where: string, limit: number) =>
    (
      await db.pool.query<{ legacy_id: string; target_id: string | null }>(
        `SELECT legacy_id, target_id FROM staging.${object} WHERE ${where} ORDER BY legacy_id LIMIT ${limit}`,
      )
    ).rows;
  const fresh = await ids(`status = 'new'`, 30);
  const drifted = await ids(`status = 'matched' AND properties_to_update <> '{}'::jsonb`, 20);
  const minutes = (n: number) => new Date(at.getTime() + n * 60_000);
  const older = randomUUID();
  const latest = randomUUID();
  const dry = randomUUID();
  const run = (id: string, dryRun: boolean, status: string, started: Date) =>
    db.pool.query(
      `INSERT INTO staging.apply_runs (run_id, object, target, dry_run, status, started_at, finished_at) VALUES ($1, $2, 'hubspot', $3, $4, $5, $5)`,
      [id, object, dryRun, status, started],
    );
  const audit = (
    runId: string,
    legacyId: string,
    action: string,
    result: string,
    targetId: string | null,
    error: string | null,
  ) =>
    db.pool.query(
      `INSERT INTO staging.apply_audit (run_id, object, legacy_id, action, target_id, after, result, error, settled_at)
       VALUES ($1, $2, $3, $4, $5, '{"name":"x"}'::jsonb, $6, $7, now())`,
      [runId, object, legacyId, action, targetId, result, error],
    );
  await run(older, false, 'failed', minutes(-30));
  for (const f of fresh.slice(0, 5))
    await audit(older, f.legacy_id, 'create', 'failed', null, 'HubSpot was unreachable');
  await run(latest, false, 'partial', minutes(-10));
  const refused = fresh.slice(0, 6);
  for (const [i, f] of refused.entries()) {
    const reason =
      i === 0
        ? `Property values were not valid: name "${SCRIPT}" is not allowed`
        : `Property values were not valid: numberofemployees "${i}x" is not a number`;
    await audit(latest, f.legacy_id, 'create', 'failed', null, reason);
  }
  for (const f of fresh.slice(6)) await audit(latest, f.legacy_id, 'create', 'created', `9${f.legacy_id}`, null);
  for (const d of drifted) await audit(latest, d.legacy_id, 'update', 'updated', d.target_id, null);
  for (const f of fresh.slice(6, 8))
    await audit(
      latest,
      f.legacy_id,
      'associate',
      'failed',
      `9${f.legacy_id}`,
      'missing parent: company 123 does not exist',
    );
  await run(dry, true, 'succeeded', minutes(-1));
  return {
    runId: latest,
    created: fresh.length - 6,
    updated: drifted.length,
    refused: refused.length,
    associateRefused: 2,
  };
}
