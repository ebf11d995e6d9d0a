import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../core/reconcile/reconcile';
import { lookupManyByLegacyId } from '../../core/reconcile/lookup';
import { readInOneStatement } from '../../core/reconcile/lookup-one-statement';
import { assembleLookups } from '../../core/reconcile/lookup-result';
import { readStepwise } from '../../core/reconcile/lookup-stepwise';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loadSmallCompanies, smallMapping } from '../helpers/small-companies';

// The lookup reads everything in one statement; the step-by-step read (one query per table) is the reference it
// must equal, byte for byte, since the CLI, n8n, MCP and the HTTP API all print what it returns.
const mapping = smallMapping();
const IDS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C9', 'X8', 'C404', 'C2', 'c1'];

let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-lookup-'));
  await loadSmallCompanies(t.db, dir);
}, 60_000);
afterAll(async () => t?.drop());

const stepwise = async (ids: string[]) => {
  const distinct = [...new Set(ids)];
  const read = await t.db.withConnection((sql) => readStepwise(sql, mapping, 'companies', distinct));
  return read && assembleLookups('companies', ids, read);
};
const oneStatement = async (ids: string[]) => {
  const distinct = [...new Set(ids)];
  const read = await t.db.withConnection((sql) => readInOneStatement(t.db, sql, mapping, 'companies', distinct));
  return read && assembleLookups('companies', ids, read);
};
const lookup = (ids: string[]) => lookupManyByLegacyId(t.db, mapping, { object: 'companies', legacyIds: ids });

describe('a lookup in one statement', () => {
  it('is not tried before the object was reconciled, and the answer says so', async () => {
    expect(await oneStatement(['C1'])).toBeNull();
    expect(await stepwise(['C1'])).toBeNull();
    expect(await lookup(['C1'])).toMatchObject([{ found: false, notes: ['companies has not been reconciled yet'] }]);
  });

  it('answers exactly what the step-by-step read answers: found, missing, quarantined, repeated, conflicts', async () => {
    await reconcile(t.db, { object: 'companies', mapping, legacyPath: dir });
    // More quarantine entries than a lookup shows (50), in an order that only the sort makes right.
    await t.db.pool.query(
      `INSERT INTO staging.quarantine (run_id, object, source, line, legacy_id, field, reason)
       SELECT gen_random_uuid(), 'companies', CASE WHEN i % 2 = 0 THEN 'b.csv' ELSE 'a.csv' END,
              CASE WHEN i % 7 = 0 THEN NULL ELSE 100 - i END, 'C2', CASE WHEN i % 3 = 0 THEN 'Comp_Name' END,
              'reason ' || i
         FROM generate_series(1, 60) AS i`,
    );
    const reference = await stepwise(IDS);
    const answer = await oneStatement(IDS);
    expect(reference!.map((r) => [r.legacyId, r.found, r.status, r.targetRecords.length, r.quarantine.length])).toEqual(
      [
        ['C1', true, 'matched', 1, 1],
        ['C2', true, 'matched', 1, 50],
        ['C3', true, 'matched', 1, 1],
        ['C4', true, 'matched', 1, 1],
        ['C5', true, 'new', 0, 0],
        ['C6', true, 'conflict', 2, 0],
        ['C7', false, null, 0, 1],
        ['C9', true, 'matched', 1, 0],
        ['X8', true, 'orphan', 1, 0],
        ['C404', false, null, 0, 0],
        ['C2', true, 'matched', 1, 50],
        ['c1', false, null, 0, 0],
      ],
    );
    expect(JSON.stringify(answer)).toBe(JSON.stringify(reference));
    expect(JSON.stringify(await lookup(IDS))).toBe(JSON.stringify(reference));
  });

  it('falls back to the step-by-step answer when the mirror refuses a target ID: a note on each row', async () => {
    await t.db.pool.query(`UPDATE staging.companies SET target_ids = ARRAY['not-a-number'] WHERE legacy_id = 'C9'`);
    await expect(oneStatement(IDS)).rejects.toThrow(/bigint/);
    const answer = await lookup(IDS);
    expect(JSON.stringify(answer)).toBe(JSON.stringify(await stepwise(IDS)));
    expect(answer[0]!.notes.at(-1)).toMatch(/^target records could not be read from the mirror: .*bigint/);
    await t.db.pool.query(`UPDATE staging.companies SET target_ids = ARRAY[target_id] WHERE legacy_id = 'C9'`);
  });

  it('falls back to the step-by-step answer when the mirror is gone, and goes back to one statement after', async () => {
    await lookup(IDS); // the mirror's ID type is known from here on
    await t.db.pool.query('ALTER TABLE crm.companies RENAME TO companies_away');
    try {
      const answer = await lookup(IDS);
      expect(JSON.stringify(answer)).toBe(JSON.stringify(await stepwise(IDS)));
      expect(answer[1]).toMatchObject({ found: true, targetRecords: [] });
      expect(answer[1]!.notes.at(-1)).toMatch(/^target records could not be read from the mirror: .*crm\.companies/);
      expect(await oneStatement(IDS)).toBeNull();
    } finally {
      await t.db.pool.query('ALTER TABLE crm.companies_away RENAME TO companies');
    }
    expect(JSON.stringify(await oneStatement(IDS))).toBe(JSON.stringify(await stepwise(IDS)));
  });
});
