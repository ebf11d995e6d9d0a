/**
 * Issue 12, items 1 and 5: a broken export must not make staging worse. Each story damages a copy of the shipped
 * Company.csv the way a real export gets damaged and checks what staging says afterwards against a run on the intact
 * file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { lookupByLegacyId } from '../../core/reconcile/lookup';
import { reconcile, type ReconcileOptions } from '../../core/reconcile/reconcile';
import { ExportRefused } from '../../core/reconcile/shrink-guard';
import type { ReconcileSummary } from '../../core/reconcile/summary';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror } from '../helpers/example-data';

const mapping = builtInMapping();
const ORIGINAL = readFileSync(path.join(EXPORT_DIR, 'Company.csv'), 'utf8');
const LINES = ORIGINAL.replace(/\r?\n$/, '').split(/\r?\n/);
let t: TestDatabase;
let dir: string;
let intact: ReconcileSummary;
/** legacy ID -> status and target IDs after reconciling the intact file. */
let before: Map<string, string>;

async function statuses(): Promise<Map<string, string>> {
  const { rows } = await t.db.pool.query<{ legacy_id: string; status: string; target_ids: string[] }>(
    'SELECT legacy_id, status, target_ids FROM staging.companies',
  );
  return new Map(rows.map((r) => [r.legacy_id, `${r.status} ${[...r.target_ids].sort().join(',')}`]));
}

async function snapshot(): Promise<unknown[]> {
  const staging = await t.db.pool.query('SELECT * FROM staging.companies ORDER BY legacy_id');
  const quarantine = await t.db.pool.query('SELECT * FROM staging.quarantine ORDER BY id');
  return [staging.rows, quarantine.rows];
}

function exportWith(lines: string[], eol: (i: number) => string = () => '\n'): void {
  writeFileSync(path.join(dir, 'Company.csv'), lines.map((l, i) => l + eol(i)).join(''));
}

const run = (options: Partial<ReconcileOptions> = {}) =>
  reconcile(t.db, { object: 'companies', mapping, legacyPath: dir, ...options });

/** The first data line at or after `from` without quotes whose record the intact run matched by ID, with its ID. */
function matchedLine(from: number): { index: number; id: string } {
  for (let i = from; i < LINES.length; i++) {
    const id = LINES[i]!.split(',')[0]!;
    if (before.get(id)?.startsWith('matched ') && !LINES[i]!.includes('"')) return { index: i, id };
  }
  throw new Error('no matched record');
}

beforeAll(async () => {
  t = await createTestDatabase();
  await loadExampleMirror(t.db);
  dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-integrity-'));
  exportWith(LINES);
  intact = await run();
  before = await statuses();
}, 120_000);
afterAll(async () => t?.drop());

describe('a reconcile never makes staging worse on the strength of a broken export', () => {
  it('says, on the intact export, that its rows without an ID may be the records of orphans', () => {
    expect(intact).toMatchObject({ orphan: 55, unreadableInExport: 0, quarantined: 12, unreadableWithoutId: 3 });
    expect(intact.warnings).toEqual([
      '3 rows of the export could not be read and gave no legacy ID: the 55 orphans may include their records (staging.quarantine lists them)',
    ]);
  });

  it('reconciles the rows after an opening quote that never closes, and calls its record unreadable_in_export, not orphan', async () => {
    const { index, id } = matchedLine(100);
    const fields = LINES[index]!.split(',');
    fields[1] = `"${fields[1]}`; // Comp_Name opens a quote that the line never closes
    exportWith(LINES.map((l, i) => (i === index ? fields.join(',') : l)));
    const damaged = await run();
    const after = await statuses();
    const expected = new Map(before);
    expected.set(id, before.get(id)!.replace(/^matched/, 'unreadable_in_export'));
    expect(after).toEqual(expected);
    expect(damaged).toMatchObject({
      legacyRows: intact.legacyRows - 1,
      orphan: intact.orphan,
      unreadableInExport: 1,
      quarantined: intact.quarantined + 1,
    });
    expect(damaged.warnings).toContain(
      '1 target record carries a legacy ID that the export has only in unreadable rows: status unreadable_in_export, not orphan',
    );

    const lookup = await lookupByLegacyId(t.db, mapping, { object: 'companies', legacyId: id });
    const line = index + 1;
    expect(lookup).toMatchObject({
      found: true,
      status: 'unreadable_in_export',
      targetIds: expect.arrayContaining([expect.any(String)]),
    });
    expect(lookup.quarantine).toEqual([
      {
        source: 'Company.csv',
        line,
        field: 'Comp_Name',
        reason: expect.stringMatching(
          new RegExp(
            `^the quote opening field 2 \\(Comp_Name\\) on line ${line} .*: line ${line} set aside, reading resumed at line ${line + 1}`,
          ),
        ),
      },
    ]);
    expect(lookup.notes[0]).toBe(
      'legacy ID is on a target record, but the export has it only in a row that could not be read',
    );
    expect(lookup.notes[1]).toMatch(new RegExp(`^Company\\.csv line ${line}: the quote opening field 2`));
  }, 60_000);

  it('sets aside a row with a NUL byte, naming the field, and reconciles the others', async () => {
    const { index, id } = matchedLine(300);
    const fields = LINES[index]!.split(',');
    fields[1] = `${fields[1]}\u0000`;
    exportWith(LINES.map((l, i) => (i === index ? fields.join(',') : l)));
    const summary = await run({ fuzzy: false });
    expect(summary).toMatchObject({
      legacyRows: intact.legacyRows - 1,
      unreadableInExport: 1,
      quarantined: intact.quarantined + 1,
    });
    const { rows } = await t.db.pool.query(
      'SELECT line, legacy_id, field, reason, raw FROM staging.quarantine WHERE legacy_id = $1',
      [id],
    );
    expect(rows).toEqual([
      {
        line: index + 1,
        legacy_id: id,
        field: 'Comp_Name',
        reason: 'field 2 (Comp_Name) contains a NUL byte, which a text column cannot hold',
        raw: fields.join(',').replace('\u0000', '\u2400'),
      },
    ]);
    const after = await statuses();
    for (const [legacyId, status] of before)
      if (legacyId !== id && !status.startsWith('new') && !status.startsWith('fuzzy'))
        expect(after.get(legacyId)).toBe(status);
    expect(after.get(id)).toBe(before.get(id)!.replace(/^matched/, 'unreadable_in_export'));
  }, 60_000);

  it('reads every row of a file whose header ends in CRLF and whose rows mix CRLF and LF', async () => {
    exportWith(LINES, (i) => (i === 0 || i % 3 === 0 ? '\r\n' : '\n'));
    const summary = await run();
    expect(summary).toMatchObject({
      legacyRows: intact.legacyRows,
      matched: intact.matched,
      orphan: intact.orphan,
      quarantined: intact.quarantined,
      unreadableInExport: 0,
    });
    expect(await statuses()).toEqual(before);
  }, 60_000);

  it('refuses a header-only export after a good run, leaves staging and the quarantine as they were, and goes on when the shrink is accepted', async () => {
    exportWith(LINES);
    await run();
    const kept = await snapshot();
    exportWith(LINES.slice(0, 1));
    const refusal = run().catch((error: unknown) => error);
    const error = (await refusal) as ExportRefused;
    expect(error).toBeInstanceOf(ExportRefused);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(
      new RegExp(
        `^Refused to reconcile companies: Company\\.csv has no data rows \\(a header only\\), against the ${intact.legacyRows} of the last successful run \\(.*\\)\\. Staging and the quarantine are left as they were\\. If the export really is this small, run again with --accept-shrink`,
      ),
    );
    expect(await snapshot()).toEqual(kept);
    const { rows: log } = await t.db.pool.query(
      `SELECT status, error, legacy_rows FROM staging.reconciliation_log ORDER BY started_at DESC LIMIT 1`,
    );
    expect(log[0]).toEqual({ status: 'refused', error: error.message, legacy_rows: 0 });

    const accepted = await run({ acceptShrink: true, fuzzy: false });
    expect(accepted).toMatchObject({ legacyRows: 0, matched: 0, new: 0 });
    expect(accepted.orphan).toBeGreaterThan(intact.matched);
    expect(accepted.warnings[0]).toMatch(
      /^Company\.csv has no data rows \(a header only\), against .*; reconciled anyway, as the shrink was accepted$/,
    );
  }, 60_000);

  it('refuses an export under half the size of the last successful run, and takes it with a lower threshold', async () => {
    exportWith(LINES);
    await run({ fuzzy: false });
    const kept = await snapshot();
    const third = LINES.slice(0, Math.floor(LINES.length / 3));
    exportWith(third);
    await expect(run({ fuzzy: false })).rejects.toThrow(
      /Company\.csv has \d+ readable rows, \d+ set aside as unreadable: fewer than 50 % of the \d+ of the last successful run/,
    );
    expect(await snapshot()).toEqual(kept);
    const taken = await run({ fuzzy: false, shrinkThreshold: 0.25 });
    expect(taken.legacyRows).toBeLessThan(intact.legacyRows / 2);
    expect(taken.warnings.some((w) => w.includes('shrink'))).toBe(false);
  }, 60_000);

  it('refuses an export none of whose rows can be read', async () => {
    exportWith([LINES[0]!, ...LINES.slice(1, 50).map((l) => l.split(',').slice(0, 5).join(','))]);
    await expect(run({ fuzzy: false })).rejects.toThrow(
      /^Refused to reconcile companies: none of the 49 rows of Company\.csv could be read, against the \d+ of the last successful run/,
    );
  }, 60_000);
});
