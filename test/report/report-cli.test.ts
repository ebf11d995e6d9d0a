import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import type { ReportResult } from '../../core/report';
import { migratedHome } from '../helpers/embedded-home';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, ROOT } from '../helpers/example-data';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-report-cli-'));
const home = migratedHome(path.join(tmp, 'home'));
let t: TestDatabase;
let env: Record<string, string>;
/** Counts of staging.companies taken before the CLI runs (the embedded database admits one process at a time). */
let expected: {
  statuses: Record<string, number>;
  records: number;
  updatesPending: number;
  quarantined: number;
  fieldIssues: number;
};

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  t = await createTestDatabase({ embeddedHome: home });
  await loadExampleMirror(t.db);
  const summary = await reconcile(t.db, { object: 'companies', mapping: builtInMapping(), legacyPath: EXPORT_DIR });
  const { rows } = await t.db.pool.query<{ status: string; n: number; pending: number }>(
    `SELECT status, count(*)::int AS n, count(*) FILTER (WHERE status = 'matched' AND properties_to_update <> '{}'::jsonb)::int AS pending
       FROM staging.companies GROUP BY status`,
  );
  expected = {
    statuses: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    records: rows.reduce((s, r) => s + r.n, 0),
    updatesPending: rows.reduce((s, r) => s + r.pending, 0),
    quarantined: summary.quarantined,
    fieldIssues: summary.fieldIssues,
  };
  if (t.url) env = { DATABASE_URL: t.url };
  else {
    await t.db.close();
    env = { CRM_BRIDGE_HOME: home };
  }
}, 120_000);
afterAll(async () => {
  if (t?.url) await t.drop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('crm-bridge report', () => {
  it('writes the page and answers --json with the file and a summary per object', async () => {
    const out = path.join(tmp, 'report.html');
    const { code, stdout } = await cli('--json', 'report', '--out', out);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as { ok: boolean; result: ReportResult };
    expect(answer.ok).toBe(true);
    expect(answer.result.file).toBe(out);
    expect(answer.result.bytes).toBe(statSync(out).size);
    expect(readFileSync(out, 'utf8').startsWith('<!doctype html>')).toBe(true);
    expect(answer.result.objects).toEqual([
      {
        object: 'companies',
        reconciled: true,
        runId: expect.any(String),
        finishedAt: expect.any(String),
        latestRunStatus: 'succeeded',
        records: expected.records,
        statuses: expected.statuses,
        quarantined: expected.quarantined,
        fieldIssues: expected.fieldIssues,
        updatesPending: expected.updatesPending,
        apply: null,
      },
    ]);
  }, 60_000);

  it('prints where it wrote and a table for people, and says of a named object that it has not been reconciled', async () => {
    const out = path.join(tmp, 'named.html');
    const { code, stdout } = await cli('report', '--out', out, '--object', 'deals', 'companies');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ KiB\\)\n`));
    expect(stdout).toMatch(/│ deals +│ not reconciled yet +│/);
    expect(stdout).toContain(`matched ${expected.statuses.matched}`);
  }, 60_000);

  it('exits 2 on an object the mapping lacks and 3 when the folder to write into is missing, with ok: false', async () => {
    const unknown = await cli('--json', 'report', '--out', path.join(tmp, 'x.html'), '--object', 'invoices');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('Not in the mapping: invoices') },
    });
    const missing = path.join(tmp, 'no-such-folder', 'x.html');
    const folder = await cli('--json', 'report', '--out', missing);
    expect(folder.code).toBe(3);
    expect(JSON.parse(folder.stdout)).toEqual({
      ok: false,
      error: {
        kind: 'input',
        message: `Cannot write the report to ${missing}: the folder ${path.dirname(missing)} does not exist`,
      },
    });
    expect(existsSync(path.dirname(missing))).toBe(false);
    const usage = await cli('--json', 'report');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      ok: false,
      error: { kind: 'usage', message: "required option '--out <file.html>' not specified" },
    });
  }, 60_000);
});
