/**
 * What a user of `crm-bridge reconcile` sees when an export is broken: exit codes, the headline and --json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db/database';
import { migratedHome } from '../helpers/embedded-home';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { brokenExportFiles, createCompanyMirror, EXPORT_HEADER } from '../helpers/broken-export';
import { ROOT } from '../helpers/example-data';

const exec = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-integrity-cli-'));
const home = migratedHome(path.join(tmp, 'home'));
const { exportDir, mappingFile, writeExport } = brokenExportFiles(tmp);
let server: TestDatabase | undefined;

const HEADER = EXPORT_HEADER;
const ROWS = ['C1,Acme', 'C2,"Globex', 'C3,Initech', 'C4,Umbrella', 'C5,Hooli'];

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const db = server?.url ? ['--db', server.url] : ['--home', home];
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...db, '--mapping', mappingFile, ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  // The CLI's own database: the machine's server when the suite runs on one, else an embedded one in `home`.
  server = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  const db = server?.db ?? (await openDatabase({ home }));
  await createCompanyMirror(db, [
    ['C1', 'Acme'],
    ['C2', 'Globex'],
    ['C3', 'Initech'],
    ['C4', 'Umbrella'],
    ['C5', 'Hooli'],
  ]);
  if (!server) await db.close();
}, 60_000);
afterAll(async () => server?.drop());

describe('crm-bridge reconcile on a broken export', () => {
  it('reconciles the rows after an unclosed quote and shows its record as unreadable in export, not orphan', async () => {
    writeExport([HEADER, ...ROWS]);
    const out = await cli('reconcile', '--object', 'companies', '--legacy', exportDir);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /│ object +│ legacy rows │ matched │ fuzzy match │ new │ conflict │ orphan │ unreadable in export │ quarantined │/,
    );
    expect(out.stdout).toMatch(/│ companies +│ 4 +│ 4 +│ 0 +│ 0 +│ 0 +│ 0 +│ 1 +│ 1 +│/);
    expect(out.stdout).toContain(
      'warning: 1 target record carries a legacy ID that the export has only in unreadable rows: status unreadable_in_export, not orphan',
    );
    const lookup = await cli('--json', 'lookup', '--object', 'companies', '--legacy-id', 'C2');
    expect(lookup.code).toBe(0);
    expect(JSON.parse(lookup.stdout).result).toMatchObject({
      status: 'unreadable_in_export',
      targetIds: ['102'],
      quarantine: [
        {
          source: 'Company.csv',
          line: 3,
          field: 'Comp_Name',
          reason: expect.stringContaining('line 3 set aside, reading resumed at line 4'),
        },
      ],
    });
  }, 60_000);

  it('refuses a header-only export with exit 3 and the numbers, in text and in --json, and goes on with --accept-shrink', async () => {
    writeExport([HEADER]);
    const text = await cli('reconcile', '--object', 'companies', '--legacy', exportDir);
    expect(text.code).toBe(3);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(
      /^crm-bridge: Refused to reconcile companies: Company\.csv has no data rows \(a header only\), against the 4 of the last successful run \(.*\)\. Staging and the quarantine are left as they were\./,
    );
    const json = await cli('--json', 'reconcile', '--object', 'companies', '--legacy', exportDir);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { kind: 'input', message: expect.stringContaining('run again with --accept-shrink') },
    });
    const unchanged = await cli('--json', 'lookup', '--object', 'companies', '--legacy-id', 'C1');
    expect(JSON.parse(unchanged.stdout).result).toMatchObject({ status: 'matched', targetIds: ['101'] });

    const accepted = await cli(
      '--json',
      'reconcile',
      '--object',
      'companies',
      '--legacy',
      exportDir,
      '--accept-shrink',
    );
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({
      ok: true,
      result: {
        legacyRows: 0,
        orphan: 5,
        warnings: [expect.stringContaining('reconciled anyway, as the shrink was accepted')],
      },
    });
  }, 60_000);

  it('takes a usage mistake in --shrink-threshold as exit 2', async () => {
    const out = await cli(
      '--json',
      'reconcile',
      '--object',
      'companies',
      '--legacy',
      exportDir,
      '--shrink-threshold',
      'half',
    );
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('shrinkThreshold') },
    });
  }, 60_000);
});
