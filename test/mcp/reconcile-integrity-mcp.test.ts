/**
 * What an assistant using the MCP `reconcile` and `lookup_by_legacy_id` tools is told when an export is broken.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedHome } from '../helpers/embedded-home';
import { brokenExportFiles, createCompanyMirror, EXPORT_HEADER } from '../helpers/broken-export';
import { connectMcpStdio, databaseEnv, toolText } from '../helpers/mcp-stdio';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-integrity-mcp-'));
const { exportDir, mappingFile, writeExport } = brokenExportFiles(tmp);
const HEADER = EXPORT_HEADER;

let t: TestDatabase;
let client: Client;

const text = toolText;
const reconcileTool = (extra: Record<string, unknown> = {}) =>
  client.callTool({
    name: 'reconcile',
    arguments: { object: 'companies', legacyPath: exportDir, mappingFile, ...extra },
  });

beforeAll(async () => {
  const home = process.env.DATABASE_URL ? undefined : migratedHome(path.join(tmp, 'home'));
  t = await createTestDatabase({ embeddedHome: home });
  await createCompanyMirror(t.db, [
    ['C1', 'Acme'],
    ['C2', 'Globex'],
    ['C3', 'Initech'],
  ]);
  if (home) await t.db.close();
  client = await connectMcpStdio(['--allow-dir', tmp], databaseEnv(t, home), 'crm-bridge-integrity-test');
}, 120_000);

afterAll(async () => {
  await client?.close();
  if (t?.url) await t.drop();
});

describe('MCP reconcile on a broken export', () => {
  it('counts a record whose row cannot be read as unreadable_in_export, and the lookup says why', async () => {
    writeExport([HEADER, 'C1,Acme', 'C2,"Globex', 'C3,Initech']);
    const result = await reconcileTool();
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      legacyRows: 2,
      matched: 2,
      orphan: 0,
      unreadableInExport: 1,
      quarantined: 1,
      unreadableWithoutId: 0,
    });
    expect(text(result)).toContain('0 orphan, 1 unreadable in export, 1 quarantined');
    const lookup = await client.callTool({
      name: 'lookup_by_legacy_id',
      arguments: { object: 'companies', legacyId: 'C2' },
    });
    expect(lookup.structuredContent).toMatchObject({ status: 'unreadable_in_export', targetId: '102' });
    expect(text(lookup)).toMatch(
      /^companies C2: unreadable_in_export -> 102; legacy ID is on a target record, but the export has it only in a row that could not be read; Company\.csv line 3: the quote opening field 2 \(Comp_Name\) on line 3 is never closed/,
    );
  }, 60_000);

  it('refuses a header-only export, names acceptShrink, and reconciles it when acceptShrink is true', async () => {
    writeExport([HEADER]);
    const refused = await reconcileTool();
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(
      /^input error: Refused to reconcile companies: Company\.csv has no data rows \(a header only\), against the 2 of the last successful run .*acceptShrink in MCP and n8n/,
    );
    const status = await client.callTool({ name: 'reconciliation_status', arguments: { object: 'companies' } });
    expect((status.structuredContent as { runs: Array<{ status: string }> }).runs.map((r) => r.status)).toEqual([
      'refused',
      'succeeded',
    ]);

    const accepted = await reconcileTool({ acceptShrink: true });
    expect(accepted.isError).toBeFalsy();
    expect(accepted.structuredContent).toMatchObject({
      legacyRows: 0,
      orphan: 3,
      warnings: [expect.stringContaining('reconciled anyway')],
    });
    expect(text(accepted)).toContain('\nwarning: Company.csv has no data rows');
  }, 60_000);
});
