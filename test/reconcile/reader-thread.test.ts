/**
 * A large export is read and mapped on a thread of its own (legacy-batches.ts). The outcome must not depend on which
 * thread read it: the shipped example, with its broken rows, duplicates and field issues, staged both ways.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../core/errors';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { legacyBatches, legacyConnector, type MappedItem } from '../../core/reconcile/legacy-batches';
import { reconcile } from '../../core/reconcile/reconcile';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror } from '../helpers/example-data';

const mapping = builtInMapping();
let t: TestDatabase;

/** Staging and the quarantine without what differs between two runs by design (run IDs, times, row IDs). */
async function outcome(): Promise<unknown[]> {
  const staging = await t.db.pool.query(
    `SELECT legacy_id, target_id, target_ids, status, match_confidence, legacy_properties, properties_to_update, notes,
            source, source_line FROM staging.companies ORDER BY legacy_id`,
  );
  const quarantine = await t.db.pool.query(
    'SELECT source, line, legacy_id, field, reason, raw FROM staging.quarantine WHERE object = $1 ORDER BY id',
    ['companies'],
  );
  return [staging.rows, quarantine.rows];
}

async function collect(batches: AsyncIterable<MappedItem[]>): Promise<MappedItem[]> {
  const items: MappedItem[] = [];
  for await (const b of batches) items.push(...b);
  return items;
}

beforeAll(async () => {
  t = await createTestDatabase();
  await loadExampleMirror(t.db);
});
afterAll(() => t.drop());

describe('the export read on a thread of its own', () => {
  it('stages exactly what the calling thread stages, row for row, quarantine included', async () => {
    const options = { object: 'companies', mapping, legacyPath: EXPORT_DIR, batchSize: 37 };
    const inline = await reconcile(t.db, { ...options, readerThread: false });
    const onCalling = await outcome();
    await t.db.pool.query('DELETE FROM staging.companies');
    const threaded = await reconcile(t.db, { ...options, readerThread: true });
    const onThread = await outcome();

    expect(inline.quarantined).toBeGreaterThan(0);
    expect(inline.fieldIssues).toBeGreaterThan(0);
    expect(threaded.legacyRows).toBe(inline.legacyRows);
    expect(threaded.quarantined).toBe(inline.quarantined);
    expect(threaded.rowsInserted).toBe(inline.rowsInserted);
    expect(onThread).toEqual(onCalling);
    expect((onCalling[0] as unknown[]).length).toBe(inline.rowsInserted);
  });

  it('gives the batches in file order, each item as the calling thread maps it', async () => {
    const mapper = new ObjectMapper(mapping.config, 'companies');
    const legacy = legacyConnector(EXPORT_DIR, 'companies', mapper);
    const base = { legacyPath: EXPORT_DIR, object: 'companies', mapping: mapping.config, mapper, legacy, size: 50 };
    const inline = await collect(legacyBatches({ ...base, thread: false }));
    const threaded = await collect(legacyBatches({ ...base, thread: true }));
    expect(inline.some((i) => i.kind === 'rejected')).toBe(true);
    expect(threaded).toEqual(inline);
  });

  it('a reader failure on the thread arrives as the same error, with its kind (exit code) intact', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-reader-thread-'));
    writeFileSync(path.join(dir, 'Company.csv'), 'Comp_CompanyId,Comp_Name\n1,Acme\n');
    const mapper = new ObjectMapper(mapping.config, 'companies');
    const legacy = legacyConnector(dir, 'companies', mapper);
    const base = { legacyPath: dir, object: 'companies', mapping: mapping.config, mapper, legacy, size: 50 };
    const inline = await collect(legacyBatches({ ...base, thread: false })).catch((e: Error) => e);
    const threaded = await collect(legacyBatches({ ...base, thread: true })).catch((e: Error) => e);
    expect(inline).toBeInstanceOf(Error);
    expect((inline as Error).message).toMatch(/^Company.csv lacks columns .*Comp_Type/);
    expect((threaded as Error).message).toBe((inline as Error).message);
    expect((threaded as Error).name).toBe('CsvFormatError');
    expect(classifyError(threaded)).toBe('input');
  });
});
