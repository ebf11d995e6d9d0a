/**
 * `crm-bridge dedupe` as a user meets it: the project's own export, columns no preset knows, files with broken or
 * repeated rows. Runs dist/cli/index.js (npm run build first).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../bench/matching/generate-contacts';
import { EXPORT_DIR, ROOT, truth } from '../helpers/example-data';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-dedupe-'));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const options = {
    env: { PATH: process.env.PATH ?? '', CRM_BRIDGE_HOME: path.join(tmp, 'home') },
    maxBuffer: 512 * 1024 * 1024,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], options);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Envelope {
  ok: boolean;
  error?: { kind: string; message: string };
  result: {
    columnsUsed: Array<{ field: string; kind: string; columns: string[] }>;
    clusters: Array<{ records: string[]; decision: string }>;
    quarantine: Array<Record<string, unknown>>;
    rejected: Array<{ line: number; reason: string; excerpt?: string }>;
    stats: { records: number; autoMergePairs: number; evidence: string; evidenceNote: string };
  };
}

describe('crm-bridge dedupe', () => {
  it("reads the project's own legacy export of people (Pers_FirstName, Addr_City, …) and merges nobody in it", async () => {
    const out = await cli(
      '--json',
      'dedupe',
      '--input',
      path.join(EXPORT_DIR, 'Person.csv'),
      '--id-column',
      'Pers_PersonId',
      '--country',
      'GB',
    );
    const { ok, error, result } = JSON.parse(out.stdout) as Envelope;
    expect(result.columnsUsed.map((c) => `${c.field}=${c.columns.join('+')}`)).toEqual([
      'given_name=Pers_FirstName',
      'surname=Pers_LastName',
      'email=Pers_EmailAddress',
      'phone=Pers_PhoneFullNumber',
      'address=Addr_Address1',
      'postcode=Addr_PostCode',
      'city=Addr_City',
    ]);
    // The 12 broken rows the generator planted are set aside, each named by its line: the run is partial.
    expect(out.code).toBe(5);
    expect(ok).toBe(false);
    expect(error).toMatchObject({
      kind: 'partial',
      message: expect.stringMatching(/^12 rows set aside and not matched \(line 459: /),
    });
    const lines = [...result.rejected.map((r) => r.line), ...result.quarantine.map((q) => q.line as number)].sort(
      (a, b) => a - b,
    );
    expect(lines).toEqual(
      truth()
        .objects.contacts!.quarantined.map((q) => q.line)
        .sort((a, b) => a - b),
    );
    expect(result.stats.records).toBe(2998);
    expect(result.stats.autoMergePairs).toBe(0);
    expect(result.stats.evidence).toBe('insufficient');
    const together = (a: string, b: string) =>
      result.clusters.find((c) => c.records.includes(a) && c.records.includes(b));
    expect(together('10806', '10925')).toBeUndefined();
    expect(together('14449', '15247')?.decision ?? 'apart').not.toBe('auto-merge');
    // Without --json the headline carries the same verdict.
    const text = await cli(
      'dedupe',
      '--input',
      path.join(EXPORT_DIR, 'Person.csv'),
      '--id-column',
      'Pers_PersonId',
      '--country',
      'GB',
    );
    expect(text.code).toBe(5);
    expect(text.stdout).toMatch(
      /evidence: insufficient: the records that look alike rarely share an identifying value/,
    );
    expect(text.stderr).toMatch(/^crm-bridge: 12 rows set aside and not matched/);
  }, 60_000);

  it('takes the fields to compare from --fields when no preset knows the columns, and names each bad entry on a line of its own', async () => {
    const input = path.join(tmp, 'kunden.csv');
    writeFileSync(
      input,
      [
        'Nr,Vorname,Nachname,EPost,Rufnummer',
        '1,Bill,Schmidt,bill.schmidt@acme.de,030 1234567',
        '2,William,Schmidt,Bill.Schmidt@ACME.de,+49 30 1234567',
        '3,Greta,Wolff,greta@globex.de,040 7654321',
      ].join('\n'),
    );
    const refused = await cli('--json', 'dedupe', '--input', input, '--id-column', 'Nr');
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).error.message).toMatch(
      /recognised none of the columns .*--fields given_name=<column>/,
    );

    const out = await cli(
      '--json',
      'dedupe',
      '--input',
      input,
      '--id-column',
      'Nr',
      '--country',
      'DE',
      '--fields',
      'first_name=Vorname,last_name=Nachname,email=EPost,phone=Rufnummer',
    );
    expect(out.code).toBe(0);
    const { result } = JSON.parse(out.stdout) as Envelope;
    expect(result.columnsUsed).toEqual([
      { field: 'given_name', kind: 'givenName', columns: ['Vorname'] },
      { field: 'surname', kind: 'familyName', columns: ['Nachname'] },
      { field: 'email', kind: 'email', columns: ['EPost'] },
      { field: 'phone', kind: 'phone', columns: ['Rufnummer'] },
    ]);
    expect(result.clusters.map((c) => c.records)).toEqual([['1', '2']]);

    const fieldsFile = path.join(tmp, 'fields.json');
    writeFileSync(
      fieldsFile,
      JSON.stringify([
        { name: 'vorname', kind: 'givenName', columns: ['Vorname'] },
        { name: 'mail', kind: 'email', columns: ['EPost'] },
      ]),
    );
    const fromFile = await cli('--json', 'dedupe', '--input', input, '--id-column', 'Nr', '--fields', fieldsFile);
    expect(fromFile.code).toBe(0);
    expect((JSON.parse(fromFile.stdout) as Envelope).result.columnsUsed.map((c) => c.field)).toEqual([
      'vorname',
      'mail',
    ]);

    const bad = await cli(
      '--json',
      'dedupe',
      '--input',
      input,
      '--id-column',
      'Nr',
      '--fields',
      'first_name=Vorname,shoe=EPost,Rufnummer',
    );
    expect(bad.code).toBe(2);
    const message = (JSON.parse(bad.stdout) as { error: { message: string } }).error.message;
    expect(message).toContain('"shoe" names no field');
    expect(message).toContain('"Rufnummer" is not field=column');
    // One line per problem, as every surface words invalid input.
    expect(message.split('\n')).toEqual([
      'invalid input:',
      expect.stringContaining('"shoe" names no field'),
      expect.stringContaining('"Rufnummer" is not field=column'),
    ]);
  }, 60_000);

  it('sets aside a row whose ID holds a NUL byte, naming the column, and leaves it out of the output', async () => {
    const input = path.join(tmp, 'nul.csv');
    writeFileSync(
      input,
      ['id,first_name,last_name,email', '1,Ann,Lee,ann@x.com', '2\u0000x,Bob,Ray,bob@y.com', '3,Cy,Day,cy@z.com'].join(
        '\n',
      ),
    );
    const output = path.join(tmp, 'nul-clusters.csv');
    const out = await cli('--json', 'dedupe', '--input', input, '--id-column', 'id', '--output', output);
    expect(out.code).toBe(5);
    const { result, error } = JSON.parse(out.stdout) as Envelope;
    // The CSV reader sets the row aside before the matcher sees it, naming the line and the column.
    expect(result.quarantine).toEqual([]);
    expect(result.rejected).toEqual([
      expect.objectContaining({ line: 3, reason: 'field 1 (id) contains a NUL byte, which a text column cannot hold' }),
    ]);
    expect(error!.message).toMatch(/line 3: .*NUL byte/);
    const written = readFileSync(output, 'utf8');
    expect(written).not.toContain('\u0000');
    expect(
      written
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(['id', '1', '3']);
  }, 60_000);

  it('exits 3 naming the file when --input does not exist', async () => {
    const out = await cli('--json', 'dedupe', '--input', path.join(tmp, 'nope.csv'), '--id-column', 'id');
    expect(out.code).toBe(3);
    expect(JSON.parse(out.stdout)).toEqual({
      ok: false,
      error: { kind: 'input', message: `file not found: ${path.join(tmp, 'nope.csv')}` },
    });
  });

  it('answers in JSON for 100,000 rows whose IDs all repeat: partial, with every repeat counted and named briefly', async () => {
    const people = generateContacts(50_000, 6001, { duplicateShare: 0 }).records;
    const header = 'id,first_name,last_name,email,phone,city';
    const row = (p: (typeof people)[number]) => [p.id, p.first_name, p.last_name, p.email, p.phone, p.city].join(',');
    const input = path.join(tmp, 'repeated.csv');
    writeFileSync(input, [header, ...people.map(row), ...people.map(row)].join('\n'));
    const out = await cli('--json', 'dedupe', '--input', input, '--id-column', 'id');
    expect(out.code).toBe(5);
    const { ok, error, result } = JSON.parse(out.stdout) as Envelope;
    expect(ok).toBe(false);
    expect(error).toMatchObject({
      kind: 'partial',
      message: expect.stringMatching(/^50000 rows set aside and not matched \(line 50002: duplicate ID "c\d+"/),
    });
    expect(result.stats.records).toBe(50_000);
    expect(result.quarantine).toHaveLength(50_000);
    // Each entry names the row and the reason; none carries a copy of the row.
    expect(result.quarantine[0]).toEqual({
      index: 50_000,
      id: people[0]!.id,
      reason: `duplicate ID "${people[0]!.id}" (first seen at row 0)`,
      line: 50_002,
    });
    expect(Math.max(...result.quarantine.map((q) => JSON.stringify(q).length))).toBeLessThan(200);
  }, 180_000);
});
