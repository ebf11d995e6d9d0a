import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedHome } from '../helpers/embedded-home';
import { connectMcpStdio, databaseEnv } from '../helpers/mcp-stdio';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, ROOT } from '../helpers/example-data';

// An assistant may only read below --allow-dir. Links are followed before that check: a link inside the allowed
// folder to a file outside is refused before it is read, so nothing of the file can come back in the answer.

const SECRET = 'root:x:0:0:SECRET-9f8e7d6c5b4a:/root:/bin/bash';

let t: TestDatabase;
let client: Client;
let allowed: string;
let outside: string;
let home: string | undefined;

type Answer = { isError?: boolean; content: Array<{ text: string }>; structuredContent?: unknown };
const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as Answer;
const text = (a: Answer) => a.content[0]!.text;

beforeAll(async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mcp-paths-'));
  allowed = path.join(base, 'allowed');
  outside = path.join(base, 'outside');
  mkdirSync(allowed);
  mkdirSync(outside);
  // Outside: a secret-looking file, a valid mapping, a valid sync job and a whole export folder.
  writeFileSync(path.join(outside, 'passwd'), `${SECRET}\ndaemon:x:1:1::/:/usr/sbin/nologin\n`);
  writeFileSync(
    path.join(outside, 'mapping.json'),
    readFileSync(path.join(ROOT, 'core', 'mapping', 'default-hubspot-mapping.json')),
  );
  writeFileSync(
    path.join(outside, 'job.json'),
    readFileSync(path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json')),
  );
  mkdirSync(path.join(outside, 'export'));
  copyFileSync(path.join(EXPORT_DIR, 'Company.csv'), path.join(outside, 'export', 'Company.csv'));
  // Inside: links out of the allowed folder, of every kind a tool takes.
  symlinkSync(path.join(outside, 'passwd'), path.join(allowed, 'passwd.csv'));
  symlinkSync(path.join(outside, 'passwd'), path.join(allowed, 'mapping-secret.json'));
  symlinkSync(path.join(outside, 'mapping.json'), path.join(allowed, 'mapping.json'));
  symlinkSync(path.join(outside, 'job.json'), path.join(allowed, 'job.json'));
  symlinkSync(path.join(outside, 'export'), path.join(allowed, 'linked-export'));
  mkdirSync(path.join(allowed, 'export-with-link'));
  symlinkSync(path.join(outside, 'passwd'), path.join(allowed, 'export-with-link', 'Company.csv'));
  // And a link that stays inside, which is fine.
  mkdirSync(path.join(allowed, 'real-export'));
  copyFileSync(path.join(EXPORT_DIR, 'Company.csv'), path.join(allowed, 'real-export', 'Company.csv'));
  symlinkSync(path.join(allowed, 'real-export'), path.join(allowed, 'export-link-inside'));

  home = process.env.DATABASE_URL
    ? undefined
    : migratedHome(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mcp-paths-db-')));
  t = await createTestDatabase({ embeddedHome: home });
  await loadExampleMirror(t.db);
  if (home) await t.db.close();
  client = await connectMcpStdio(['--allow-dir', allowed], databaseEnv(t, home), 'crm-bridge-paths-test');
}, 120_000);

afterAll(async () => {
  await client?.close();
  if (t?.url) await t.drop();
});

describe('MCP tools read only inside --allow-dir, links included', () => {
  it('refuses a link to /etc/passwd-like file as the export, and its first line never comes back', async () => {
    const answer = await call('reconcile', { object: 'companies', legacyPath: path.join(allowed, 'passwd.csv') });
    expect(answer.isError).toBe(true);
    expect(text(answer)).toBe(
      `usage error: ${path.join(allowed, 'passwd.csv')} is a link to a place outside the folders this server may read (${allowed}); it was not read`,
    );
    expect(JSON.stringify(answer)).not.toContain('SECRET-9f8e7d6c5b4a');
  });

  it('refuses a linked mapping file, whether it holds a secret or a mapping that would work', async () => {
    for (const file of ['mapping-secret.json', 'mapping.json']) {
      const answer = await call('reconcile', {
        object: 'companies',
        legacyPath: path.join(allowed, 'real-export'),
        mappingFile: path.join(allowed, file),
      });
      expect(answer.isError).toBe(true);
      expect(text(answer)).toMatch(
        new RegExp(
          `^usage error: ${path.join(allowed, file).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a link to a place outside`,
        ),
      );
      expect(JSON.stringify(answer)).not.toContain('SECRET-9f8e7d6c5b4a');
    }
    // Nothing ran: no reconciliation was recorded with the linked mapping.
    const status = await call('reconciliation_status', {});
    expect((status.structuredContent as { runs: unknown[] }).runs).toEqual([]);
  });

  it('refuses an export folder that is a link out, and a folder whose table file is a link out', async () => {
    const folder = await call('reconcile', { object: 'companies', legacyPath: path.join(allowed, 'linked-export') });
    expect(folder.isError).toBe(true);
    expect(text(folder)).toContain(`${path.join(allowed, 'linked-export')} is a link to a place outside`);
    const inner = await call('reconcile', { object: 'companies', legacyPath: path.join(allowed, 'export-with-link') });
    expect(inner.isError).toBe(true);
    expect(text(inner)).toContain(
      `${path.join(allowed, 'export-with-link', 'Company.csv')} is a link to a place outside`,
    );
    expect(JSON.stringify(inner)).not.toContain('SECRET-9f8e7d6c5b4a');
    const suggest = await call('suggest_field_mappings', {
      legacyPath: path.join(allowed, 'export-with-link'),
      legacyTable: 'Company',
      targetTable: 'companies',
    });
    expect(suggest.isError).toBe(true);
    expect(text(suggest)).toContain(
      `${path.join(allowed, 'export-with-link', 'Company.csv')} is a link to a place outside`,
    );
    expect(JSON.stringify(suggest)).not.toContain('SECRET-9f8e7d6c5b4a');
  });

  it('refuses a linked sync job file in plan_sync', async () => {
    const answer = await call('plan_sync', { jobFile: path.join(allowed, 'job.json') });
    expect(answer.isError).toBe(true);
    expect(text(answer)).toContain(`${path.join(allowed, 'job.json')} is a link to a place outside`);
  });

  it('says "file not found" for a missing file inside, and the same refusal outside whether the file exists or not', async () => {
    const missing = await call('plan_sync', { jobFile: path.join(allowed, 'no-such-job.json') });
    expect(text(missing)).toBe(`input error: file not found: ${path.join(allowed, 'no-such-job.json')}`);
    const outsideExisting = await call('plan_sync', { jobFile: path.join(outside, 'job.json') });
    const outsideMissing = await call('plan_sync', { jobFile: path.join(outside, 'nope.json') });
    expect(text(outsideExisting)).toBe(
      `usage error: ${path.join(outside, 'job.json')} is outside the folders this server may read (${allowed})`,
    );
    expect(text(outsideMissing)).toBe(
      `usage error: ${path.join(outside, 'nope.json')} is outside the folders this server may read (${allowed})`,
    );
    // `..` does not climb out either.
    const dotdot = await call('reconcile', {
      object: 'companies',
      legacyPath: path.join(allowed, '..', 'outside', 'export'),
    });
    expect(text(dotdot)).toMatch(/^usage error: .* is outside the folders this server may read/);
  });

  it('reconciles through a link that stays inside the allowed folder', async () => {
    const answer = await call('reconcile', {
      object: 'companies',
      legacyPath: path.join(allowed, 'export-link-inside'),
    });
    expect(answer.isError).toBeFalsy();
    const summary = answer.structuredContent as { object: string; legacyRows: number; matched: number };
    expect(summary.object).toBe('companies');
    expect(summary.matched).toBeGreaterThan(1500);
  }, 120_000);

  it('answers a lookup of a legacy ID that is not in staging as an error, as the CLI does (ok: false, exit 3)', async () => {
    const answer = await call('lookup_by_legacy_id', { object: 'companies', legacyId: 'NO-SUCH-ID-424242' });
    expect(answer.isError).toBe(true);
    expect(text(answer)).toMatch(/^input error: no companies record has legacy ID NO-SUCH-ID-424242 in staging/);
    expect(answer.structuredContent).toMatchObject({ found: false, legacyId: 'NO-SUCH-ID-424242' });
  });
});
