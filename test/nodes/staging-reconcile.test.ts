/**
 * The n8n Staging > Reconcile operation, driven as n8n drives it (parameters by name), on a broken export.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IExecuteFunctions } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { description, execute } from '../../nodes/CrmBridge/actions/staging/reconcile.operation';
import { brokenExportFiles, createCompanyMirror } from '../helpers/broken-export';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-reconcile-'));
const { exportDir, mappingFile, writeExport } = brokenExportFiles(tmp);
let t: TestDatabase;

/** Just what the operation asks of n8n: its parameters by name. */
function node(parameters: Record<string, unknown>): IExecuteFunctions {
  return {
    getNodeParameter: (name: string, _i: number, fallback?: unknown) =>
      name in parameters ? parameters[name] : fallback,
  } as unknown as IExecuteFunctions;
}

const run = (extra: Record<string, unknown> = {}) =>
  execute.call(
    node({ object: 'companies', legacyPath: exportDir, mappingFile, ...extra }),
    { db: async () => t.db },
    0,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  await createCompanyMirror(t.db, [
    ['C1', 'Acme'],
    ['C2', 'Globex'],
    ['C3', 'Initech'],
  ]);
}, 60_000);
afterAll(async () => t?.drop());

describe('n8n Staging > Reconcile on a broken export', () => {
  it('offers Accept Shrink (off) and Shrink Threshold (0.5)', () => {
    expect(
      description
        .filter((p) => p.name === 'acceptShrink' || p.name === 'shrinkThreshold')
        .map((p) => [p.name, p.type, p.default]),
    ).toEqual([
      ['acceptShrink', 'boolean', false],
      ['shrinkThreshold', 'number', 0.5],
    ]);
  });

  it('puts unreadable_in_export in the summary, refuses a header-only export, and takes it with Accept Shrink', async () => {
    writeExport(['Comp_CompanyId,Comp_Name', 'C1,Acme', 'C2,"Globex', 'C3,Initech']);
    expect((await run()).json).toMatchObject({ matched: 2, orphan: 0, unreadableInExport: 1, quarantined: 1 });
    writeExport(['Comp_CompanyId,Comp_Name']);
    await expect(run()).rejects.toThrow(
      /^Refused to reconcile companies: Company\.csv has no data rows \(a header only\), against the 2 of the last successful run/,
    );
    expect((await run({ acceptShrink: true })).json).toMatchObject({
      legacyRows: 0,
      orphan: 3,
      warnings: [expect.stringContaining('reconciled anyway')],
    });
  }, 60_000);
});
