import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMappingConfig } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { lookupByLegacyId } from '../../core/reconcile/lookup';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loadSmallCompanies, smallMapping } from '../helpers/small-companies';

const mapping = smallMapping();

let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-export-'));
  await loadSmallCompanies(t.db, dir);
}, 60_000);
afterAll(async () => t?.drop());

describe('reconcile on a small export', () => {
  it('classifies every legacy ID and quarantines bad rows with their line numbers', async () => {
    const summary = await reconcile(t.db, { object: 'companies', mapping, legacyPath: dir });
    expect(summary).toMatchObject({
      legacyRows: 7,
      targetRows: 9,
      targetUnlinked: 1,
      matched: 5,
      new: 1,
      conflict: 1,
      orphan: 1,
      quarantined: 3,
      fieldIssues: 2,
      updatesPending: 3,
      rowsInserted: 8,
      rowsUpdated: 0,
      rowsDeleted: 0,
    });
    const { rows: quarantine } = await t.db.pool.query(
      'SELECT line, legacy_id, field, reason FROM staging.quarantine ORDER BY line, field',
    );
    expect(quarantine).toEqual([
      { line: 4, legacy_id: 'C3', field: 'Comp_Employees', reason: 'not a number: "approx 50"' },
      {
        line: 6,
        legacy_id: 'C4',
        field: 'Comp_Type',
        reason: expect.stringContaining('no value mapping for "Partner"'),
      },
      { line: 9, legacy_id: null, field: 'Comp_CompanyId', reason: 'missing Comp_CompanyId' },
      {
        line: 10,
        legacy_id: 'C7',
        field: null,
        reason: 'expected 6 fields, found 8 (an extra delimiter or unquoted value)',
      },
      {
        line: 11,
        legacy_id: 'C1',
        field: 'Comp_CompanyId',
        reason: 'duplicate Comp_CompanyId C1: first seen on line 2',
      },
    ]);
  });

  it('lists only the fields whose canonical value differs', async () => {
    const { rows } = await t.db.pool.query(
      'SELECT legacy_id, status, target_id, target_ids, match_confidence, properties_to_update FROM staging.companies ORDER BY legacy_id',
    );
    expect(rows).toEqual([
      {
        legacy_id: 'C1',
        status: 'matched',
        target_id: '101',
        target_ids: ['101'],
        match_confidence: 100,
        properties_to_update: {},
      },
      {
        legacy_id: 'C2',
        status: 'matched',
        target_id: '102',
        target_ids: ['102'],
        match_confidence: 100,
        properties_to_update: { phone: '+442079460002', type: 'PROSPECT' },
      },
      {
        legacy_id: 'C3',
        status: 'matched',
        target_id: '103',
        target_ids: ['103'],
        match_confidence: 100,
        properties_to_update: { phone: '+442079460003' },
      },
      {
        legacy_id: 'C4',
        status: 'matched',
        target_id: '104',
        target_ids: ['104'],
        match_confidence: 100,
        properties_to_update: {},
      },
      {
        legacy_id: 'C5',
        status: 'new',
        target_id: null,
        target_ids: [],
        match_confidence: null,
        properties_to_update: { name: 'Hooli' },
      },
      {
        legacy_id: 'C6',
        status: 'conflict',
        target_id: null,
        target_ids: ['106', '107'],
        match_confidence: null,
        properties_to_update: null,
      },
      {
        legacy_id: 'C9',
        status: 'matched',
        target_id: '110',
        target_ids: ['110'],
        match_confidence: expect.any(Number),
        properties_to_update: { name: 'Renamed Widgets' },
      },
      {
        legacy_id: 'X8',
        status: 'orphan',
        target_id: '108',
        target_ids: ['108'],
        match_confidence: null,
        properties_to_update: null,
      },
    ]);
    const c9 = rows.find((r) => r.legacy_id === 'C9')!;
    expect(c9.match_confidence).toBeGreaterThanOrEqual(60);
    expect(c9.match_confidence).toBeLessThan(80);
  });

  it('changes nothing when run again on the same input', async () => {
    const before = await t.db.pool.query(
      'SELECT legacy_id, updated_at, last_changed_run_id FROM staging.companies ORDER BY legacy_id',
    );
    const summary = await reconcile(t.db, { object: 'companies', mapping, legacyPath: dir });
    expect(summary).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, matched: 5, quarantined: 3 });
    const after = await t.db.pool.query(
      'SELECT legacy_id, updated_at, last_changed_run_id FROM staging.companies ORDER BY legacy_id',
    );
    expect(after.rows).toEqual(before.rows);
    const { rows } = await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.quarantine');
    expect(rows[0]?.n).toBe(5);
  });

  it('updates the rows when the mirror changed', async () => {
    await t.db.pool.query(
      `UPDATE crm.companies SET phone = '020 7946 0002', type = 'PROSPECT' WHERE hs_object_id = 102`,
    );
    await t.db.pool.query(`DELETE FROM crm.companies WHERE hs_object_id = 107`);
    await t.db.pool.query(`INSERT INTO crm.companies (hs_object_id, legacy_id, name) VALUES (105, 'C5', 'Hooli')`);
    const summary = await reconcile(t.db, { object: 'companies', mapping, legacyPath: dir });
    expect(summary).toMatchObject({
      matched: 7,
      new: 0,
      conflict: 0,
      orphan: 1,
      rowsInserted: 0,
      rowsUpdated: 3,
      rowsDeleted: 0,
    });
    const c2 = await lookupByLegacyId(t.db, mapping, { object: 'companies', legacyId: 'C2' });
    expect(c2).toMatchObject({ found: true, status: 'matched', targetId: '102', propertiesToUpdate: {} });
    const c6 = await lookupByLegacyId(t.db, mapping, { object: 'companies', legacyId: 'C6' });
    expect(c6).toMatchObject({ status: 'matched', targetId: '106', propertiesToUpdate: {} });
    expect(c6.targetRecords).toEqual([
      { id: '106', properties: expect.objectContaining({ name: 'Duplicated', legacy_id: 'C6' }) },
    ]);
  });

  it('drops rows whose legacy ID left both sides', async () => {
    await t.db.pool.query(`DELETE FROM crm.companies WHERE hs_object_id = 108`);
    const summary = await reconcile(t.db, { object: 'companies', mapping, legacyPath: dir });
    expect(summary).toMatchObject({ orphan: 0, rowsDeleted: 1 });
    const x8 = await lookupByLegacyId(t.db, mapping, { object: 'companies', legacyId: 'X8' });
    expect(x8.found).toBe(false);
  });

  it('reports a quarantined record on lookup', async () => {
    const c7 = await lookupByLegacyId(t.db, mapping, { object: 'companies', legacyId: 'C7' });
    expect(c7).toMatchObject({ found: false, quarantine: [{ source: 'Company.csv', line: 10, field: null }] });
  });

  it('refuses a missing mirror table or column before doing any work', async () => {
    const config = JSON.parse(JSON.stringify(mapping.config));
    config.objects.companies.target.table = 'accounts';
    await expect(
      reconcile(t.db, { object: 'companies', mapping: parseMappingConfig(config), legacyPath: dir }),
    ).rejects.toThrow(
      /^The CRM mirror table crm\.accounts \(object "companies"\) cannot be read: Table crm\.accounts \(object "companies"\) does not exist/,
    );
    config.objects.companies.target.table = 'companies';
    config.objects.companies.properties.push({ from: 'Comp_Name', to: 'nickname', transform: [] });
    await expect(
      reconcile(t.db, { object: 'companies', mapping: parseMappingConfig(config), legacyPath: dir }),
    ).rejects.toThrow('The CRM mirror table crm.companies lacks column nickname named by the mapping of "companies"');
  });

  it('logs every run with its counts', async () => {
    const { rows } = await t.db.pool.query(
      `SELECT status, matched, new, conflict, orphan, quarantined, field_issues, rows_inserted FROM staging.reconciliation_log ORDER BY started_at`,
    );
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      status: 'succeeded',
      matched: 5,
      new: 1,
      conflict: 1,
      orphan: 1,
      quarantined: 3,
      field_issues: 2,
      rows_inserted: 8,
    });
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
  });
});
