import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../core/reconcile/reconcile';
import type { Database } from '../../core/db/database';
import { describeError } from '../../core/errors';
import { lookupManyByLegacyId } from '../../core/reconcile/lookup';
import { lookupCoalescer } from '../../core/reconcile/lookup-coalescer';
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

describe('single-ID lookups arriving together', () => {
  it('are read in shared batches, and each caller gets what a lookup of its ID alone answers, errors included', async () => {
    let reads = 0;
    const counted: Database = {
      ...t.db,
      withConnection: (fn) => {
        reads += 1;
        return t.db.withConnection(fn);
      },
    };
    const lookupOne = lookupCoalescer(counted, mapping, { inFlight: 2 });
    const asked: Array<string | number> = [...IDS, 5, 'C6', 'x'.repeat(256), 'C1', ' C3 ', ''];
    const settled = await Promise.allSettled(asked.map((id) => lookupOne('Companies', id)));
    // All arrived in the same turn of the event loop: one read for all of them.
    expect(reads).toBe(1);
    // What the HTTP API's GET asked before it shared reads: a batch of one.
    const alone = await Promise.allSettled(
      asked.map(
        async (id) => (await lookupManyByLegacyId(t.db, mapping, { object: 'Companies', legacyIds: [id] }))[0]!,
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(alone.map((s) => s.status));
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(2);
    settled.forEach((s, i) => {
      const a = alone[i]!;
      if (s.status === 'fulfilled' && a.status === 'fulfilled')
        expect(JSON.stringify(s.value)).toBe(JSON.stringify(a.value));
      else if (s.status === 'rejected' && a.status === 'rejected')
        expect(describeError(s.reason)).toBe(describeError(a.reason));
    });
  });
});
