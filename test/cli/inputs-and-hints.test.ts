import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { migratedHome } from '../helpers/embedded-home';
import { EXPORT_DIR, ROOT } from '../helpers/example-data';

// What a new user meets when a file argument is wrong, an object is misspelt or a schema file comes from a CRM:
// the exit code from the README's table and one readable line that says what to do, never Node's or zod's raw text.

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-inputs-'));
const home = migratedHome(path.join(tmp, 'home'));
const missing = (name: string) => path.join(tmp, 'not-here', name);

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', CRM_BRIDGE_HOME: home, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('a file argument that is not there', () => {
  const cases: Array<[string, string[], string]> = [
    [
      'upsert --input (CSV)',
      ['upsert', '--to', 'hubspot', '--object', 'contacts', '--key', 'email', '--input', missing('people.csv')],
      missing('people.csv'),
    ],
    [
      'upsert --input (JSON lines)',
      ['upsert', '--to', 'hubspot', '--object', 'contacts', '--key', 'email', '--input', missing('people.jsonl')],
      missing('people.jsonl'),
    ],
    ['dedupe --input', ['dedupe', '--input', missing('contacts.csv'), '--id-column', 'id'], missing('contacts.csv')],
    [
      'link --left',
      ['link', '--left', missing('a.csv'), '--right', path.join(EXPORT_DIR, 'Person.csv'), '--id-column', 'id'],
      missing('a.csv'),
    ],
    [
      'link --right',
      [
        'link',
        '--left',
        path.join(EXPORT_DIR, 'Person.csv'),
        '--right',
        missing('b.csv'),
        '--id-column',
        'Pers_PersonId',
      ],
      missing('b.csv'),
    ],
    [
      '--mapping',
      ['--mapping', missing('mapping.json'), 'lookup', '--object', 'companies', '--legacy-id', '1'],
      missing('mapping.json'),
    ],
    ['sync --job', ['sync', '--job', missing('job.json')], missing('job.json')],
    ['sync-status --job', ['sync-status', '--job', missing('job.json')], missing('job.json')],
    [
      'read --connections',
      ['read', '--from', 'hubspot', '--object', 'contacts', '--connections', missing('connections.json')],
      missing('connections.json'),
    ],
    [
      'suggest-mapping --source-schema',
      ['suggest-mapping', '--source-schema', missing('source.json'), '--target-schema', missing('target.json')],
      missing('source.json'),
    ],
  ];
  for (const [what, args, file] of cases) {
    it(`${what}: exit 3 and "file not found: <path>", in text and in --json`, async () => {
      const text = await cli(args, { HUBSPOT_ACCESS_TOKEN: 'not-used' });
      expect(text.code).toBe(3);
      expect(text.stderr).toBe(`crm-bridge: file not found: ${file}\n`);
      const json = await cli(['--json', ...args], { HUBSPOT_ACCESS_TOKEN: 'not-used' });
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout)).toEqual({
        ok: false,
        error: { kind: 'input', message: `file not found: ${file}` },
      });
    });
  }

  it('a connections file that is not JSON is named by line and column, and none of its text (a token) is echoed', async () => {
    const file = writeJson(
      'connections.json',
      '{\n  "hubspot": { "accessToken": "pat-na1-SECRET-TOKEN-123" \n  "pipedrive": {}\n}',
    );
    const out = await cli(['--json', 'read', '--from', 'hubspot', '--object', 'contacts', '--connections', file]);
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stdout)).toEqual({
      ok: false,
      error: { kind: 'usage', message: `Connections file ${file} is not valid JSON (line 3, column 3)` },
    });
    expect(out.stdout + out.stderr).not.toContain('SECRET');
  });
});

describe('an object name that is not in the mapping', () => {
  it('reconcile and lookup exit 2 (usage) and name the objects there are', async () => {
    for (const args of [
      ['reconcile', '--object', 'widgets', '--legacy', EXPORT_DIR],
      ['lookup', '--object', 'widgets', '--legacy-id', '1'],
    ]) {
      const out = await cli(['--json', ...args]);
      expect(out.code).toBe(2);
      expect(JSON.parse(out.stdout)).toEqual({
        ok: false,
        error: {
          kind: 'usage',
          message: 'Object "widgets" is not in the mapping config (it has: companies, contacts, deals, engagements)',
        },
      });
    }
  });
});

describe('a file whose header lacks the ID column the user named', () => {
  it("dedupe of the project's own Person export with --id-column id says which option names the ID column", async () => {
    const out = await cli(['dedupe', '--input', path.join(EXPORT_DIR, 'Person.csv'), '--id-column', 'id']);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('Person.csv lacks column id (header has: Pers_PersonId, Pers_CompanyId,');
    expect(out.stderr).toContain('. Name the ID column as the header writes it: --id-column for dedupe and link');
    expect(out.stderr).not.toMatch(/pass the column names/i);
  });

  it('a file of values without any header is told to get one', async () => {
    const file = path.join(tmp, 'values.csv');
    writeFileSync(file, '1,Acme,London\n2,Globex,Leeds\n');
    const out = await cli(['dedupe', '--input', file, '--id-column', 'id']);
    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      'crm-bridge: values.csv has no header row: its first row (1, Acme, London) does not name the expected column id. ' +
        "Add a header row naming the columns (the ID column as --id-column, --key or the mapping's legacy.idColumn names it).\n",
    );
  });
});

describe("suggest-mapping with schema files in each CRM's own type names", () => {
  const salesforce = {
    object: 'Account',
    idField: 'Id',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'Name', type: 'string' },
      { name: 'Industry', type: 'picklist' },
      { name: 'Tags__c', type: 'multipicklist' },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      { name: 'Phone', type: 'phone' },
      { name: 'Website', type: 'url' },
      { name: 'Description', type: 'textarea' },
      { name: 'ParentId', type: 'reference' },
      { name: 'Founded__c', type: 'date' },
      { name: 'Active__c', type: 'boolean' },
      { name: 'HQ__c', type: 'geolocation' },
    ],
  };
  const hubspot = {
    object: 'companies',
    idField: 'hs_object_id',
    fields: [
      { name: 'hs_object_id', type: 'number' },
      { name: 'name', type: 'string' },
      { name: 'industry', type: 'enumeration' },
      { name: 'annualrevenue', type: 'number' },
      { name: 'numberofemployees', type: 'number' },
      { name: 'phone', type: 'phone_number' },
      { name: 'website', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'founded_year', type: 'date' },
      { name: 'is_public', type: 'bool' },
    ],
  };
  const pipedrive = {
    object: 'organizations',
    idField: 'id',
    fields: [
      { name: 'id', type: 'int' },
      { name: 'name', type: 'varchar' },
      { name: 'industry', type: 'enum' },
      { name: 'labels', type: 'set' },
      { name: 'annual_revenue', type: 'monetary' },
      { name: 'phone', type: 'phone' },
      { name: 'notes', type: 'text' },
      { name: 'owner_id', type: 'user' },
      { name: 'founded', type: 'date' },
    ],
  };

  it('Salesforce to HubSpot: every type is understood, the pairs land where a person would put them, and the unknown type gets a note', async () => {
    const out = await cli([
      '--json',
      'suggest-mapping',
      '--source-schema',
      writeJson('sf.json', salesforce),
      '--target-schema',
      writeJson('hs.json', hubspot),
    ]);
    expect(out.code).toBe(0);
    const { result } = JSON.parse(out.stdout) as {
      result: { suggestions: Array<{ source: string; target: string | null; reasons: string[] }>; notes: string[] };
    };
    const chosen = Object.fromEntries(result.suggestions.map((s) => [s.source, s.target]));
    expect(chosen).toMatchObject({
      Name: 'name',
      Industry: 'industry',
      AnnualRevenue: 'annualrevenue',
      NumberOfEmployees: 'numberofemployees',
      Phone: 'phone',
      Website: 'website',
      Description: 'description',
    });
    // The vendor names became our kinds: a picklist and an enumeration agree, as do a phone and a phone_number.
    expect(result.suggestions.find((s) => s.source === 'Industry')!.reasons).toContain('types agree (enum)');
    expect(result.suggestions.find((s) => s.source === 'Phone')!.reasons).toContain('types agree (string/phone)');
    expect(result.notes).toEqual([
      'Account.HQ__c: type "geolocation" is not one we know; it is compared by its name and sample values only',
    ]);
  });

  it('Pipedrive to HubSpot, as a table: no refusal, and no note when every type is known', async () => {
    const out = await cli([
      'suggest-mapping',
      '--source-schema',
      writeJson('pd.json', pipedrive),
      '--target-schema',
      writeJson('hs2.json', hubspot),
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/│ annual_revenue\s+│ annualrevenue\s+│/);
    expect(out.stdout).toMatch(/│ industry\s+│ industry\s+│ 100\s+│ .*types agree \(enum\)/);
    expect(out.stdout).not.toContain('note:');
  });

  it('a schema file with mistakes: exit 2, one line per problem with its path, no validator JSON', async () => {
    const bad = writeJson('bad.json', {
      object: 'companies',
      fields: [{ name: 'name' }, { type: 'enumeration' }, { name: 'x', type: 'string', colour: 'red' }],
    });
    const out = await cli([
      'suggest-mapping',
      '--source-schema',
      bad,
      '--target-schema',
      writeJson('hs3.json', hubspot),
    ]);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      `crm-bridge: schema file ${bad} is not valid:\n` +
        '  - idField: Invalid input: expected string, received undefined\n' +
        '  - fields[0].type: Invalid input: expected string, received undefined\n' +
        '  - fields[1].name: Invalid input: expected string, received undefined\n' +
        '  - fields[2]: Unrecognized key: "colour"\n',
    );
    expect(out.stderr).not.toContain('"code"');
  });
});
