import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { migratedHome } from '../helpers/embedded-home';
import { ROOT } from '../helpers/example-data';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-cli-'));
const home = migratedHome(path.join(tmp, 'home'));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', CRM_BRIDGE_HOME: home },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('crm-bridge CLI', () => {
  it('documents every command and exits 0 on --help', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of ['demo', 'reconcile', 'lookup', 'suggest-mapping', 'mcp'])
      expect(help.stdout).toContain(command);
    const reconcileHelp = (await cli('reconcile', '--help')).stdout;
    expect(reconcileHelp).toContain('--fail-on-quarantine');
    expect(reconcileHelp).toContain('--no-fuzzy');
  });

  it('exits 2 on usage mistakes and on an invalid mapping, naming the bad entry', async () => {
    expect((await cli('reconcile', '--legacy', 'x')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    const mapping = path.join(tmp, 'bad-mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        version: 1,
        objects: {
          companies: {
            legacy: { file: 'Company', idColumn: 'id' },
            target: { table: 't', legacyIdColumn: 'l' },
            properties: [{ from: 'a', to: 'b', transform: ['phnoe'] }],
          },
        },
      }),
    );
    const bad = await cli('--json', '--mapping', mapping, 'reconcile', '--object', 'companies', '--legacy', tmp);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      ok: false,
      error: {
        kind: 'usage',
        message: expect.stringContaining('objects.companies.properties[0].transform[0]: unknown transform "phnoe"'),
      },
    });
  });

  it('answers in one JSON envelope on every outcome, usage mistakes included, and lists the global options in each --help', async () => {
    const usage = await cli('--json', 'reconcile', '--legacy', 'x');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      ok: false,
      error: { kind: 'usage', message: "required option '--object <object>' not specified" },
    });
    const unknown = await cli('--json', 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining("unknown command 'frobnicate'") },
    });
    for (const command of ['reconcile', 'lookup', 'dedupe', 'sync', 'upsert']) {
      const help = await cli(command, '--help');
      expect(help.stdout).toContain('Global Options:');
      for (const option of ['--db <url>', '--home <dir>', '--mapping <file>', '--json'])
        expect(help.stdout).toContain(option);
    }
  });

  it('exits 3 with the path when the export is missing', async () => {
    const missing = await cli('reconcile', '--object', 'companies', '--legacy', path.join(tmp, 'nope'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(`crm-bridge: Legacy export not found: ${path.join(tmp, 'nope')}\n`);
  });

  it('suggests a mapping between two schema files, as JSON', async () => {
    const source = path.join(tmp, 'source.json');
    const target = path.join(tmp, 'target.json');
    writeFileSync(
      source,
      JSON.stringify({
        object: 'Contact',
        idField: 'Id',
        fields: [
          { name: 'FirstName', type: 'string' },
          { name: 'LastName', type: 'string' },
          { name: 'MobilePhone', type: 'string' },
          { name: 'Shoe_Size__c', type: 'number' },
        ],
      }),
    );
    writeFileSync(
      target,
      JSON.stringify({
        object: 'person',
        idField: 'id',
        fields: [
          { name: 'first_name', type: 'string' },
          { name: 'last_name', type: 'string' },
          { name: 'phone', type: 'string' },
          { name: 'org_id', type: 'integer' },
        ],
      }),
    );
    const out = await cli('--json', 'suggest-mapping', '--source-schema', source, '--target-schema', target);
    expect(out.code).toBe(0);
    const { result } = JSON.parse(out.stdout) as {
      result: { suggestions: Array<{ source: string; target: string | null }> };
    };
    expect(Object.fromEntries(result.suggestions.map((s) => [s.source, s.target]))).toEqual({
      FirstName: 'first_name',
      LastName: 'last_name',
      MobilePhone: 'phone',
      Shoe_Size__c: null,
    });
    expect((await cli('suggest-mapping', '--source-schema', source)).code).toBe(2);
  });

  it('deduplicates a CSV into id,cluster_id,confidence rows, nicknames and formats included', async () => {
    const input = path.join(tmp, 'contacts.csv');
    writeFileSync(
      input,
      [
        'id,first_name,last_name,email,phone,company',
        '1,Bill,Smith,bill.smith@acme.com,(555) 010-2000,ACME Inc.',
        '2,William,Smith,Bill.Smith@ACME.com,555-010-2000,Acme Incorporated',
        '3,Elizabeth,Jones,liz@globex.com,+1 555 010 3000,Globex',
        '4,Liz,Jones,liz@globex.com,,Globex Corp',
        '5,Peter,Parker,peter@dailybugle.com,555 010 9999,Daily Bugle',
        '6,too,many,fields,x,y,z',
      ].join('\n'),
    );
    const output = path.join(tmp, 'clusters.csv');
    const out = await cli(
      '--json',
      'dedupe',
      '--input',
      input,
      '--id-column',
      'id',
      '--country',
      'US',
      '--output',
      output,
    );
    // The broken row is set aside: the groups stand, but the run is partial (exit 5) and says why.
    expect(out.code).toBe(5);
    const { ok, result, error } = JSON.parse(out.stdout) as {
      ok: boolean;
      error: { kind: string; message: string };
      result: { rejected: Array<{ line: number }>; columnsUsed: Array<{ field: string }> };
    };
    expect(ok).toBe(false);
    expect(error).toEqual({
      kind: 'partial',
      message:
        '1 row set aside and not matched (line 7: expected 6 fields, found 7 (an extra delimiter or unquoted value))',
    });
    expect(result.rejected).toEqual([
      expect.objectContaining({ line: 7, reason: 'expected 6 fields, found 7 (an extra delimiter or unquoted value)' }),
    ]);
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0]).toEqual(['id', 'cluster_id', 'confidence', 'decision', 'survivor']);
    const cluster = Object.fromEntries(rows.slice(1).map((r) => [r[0], r[1]]));
    expect(cluster['1']).toBe(cluster['2']);
    expect(cluster['3']).toBe(cluster['4']);
    expect(new Set(Object.values(cluster)).size).toBe(3);
    expect(cluster['5']).toBe('5');
    expect(rows.find((r) => r[0] === '5')!.slice(2)).toEqual(['', '', 'true']);
  });
});
