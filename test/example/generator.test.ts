import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateExample } from '../../demo/generator';
import { Random, unitFor } from '../../demo/random';
import { ROOT, SHIPPED, decodeLegacy, hashTree, readLegacy, readMirror, readTruth } from './example-files';

const tmp: string[] = [];
function tmpDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-example-'));
  tmp.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('Random', () => {
  it('is a pure function of its seed', () => {
    const a = new Random(42);
    const b = new Random(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(new Random(43).next()).not.toBe(xs[0]);
    // mulberry32(42), first draw: pinned so a change of algorithm cannot slip by.
    expect(new Random(42).next()).toBeCloseTo(0.6011037519201636, 12);
    expect(unitFor(42, 'x', 7)).toBe(unitFor(42, 'x', 7));
    expect(unitFor(42, 'x', 7)).not.toBe(unitFor(42, 'x', 8));
  });

  it('has helpers that stay in range', () => {
    const r = new Random(1);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 5);
      expect(n >= 3 && n <= 5).toBe(true);
    }
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(r.sample(['a', 'b', 'c', 'd'], 3)).size).toBe(3);
    expect(r.weighted([['only', 1]] as const)).toBe('only');
  });
});

describe('generateExample', () => {
  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const [a, b, c] = [tmpDir(), tmpDir(), tmpDir()];
    await generateExample({ seed: 7, outDir: a, companies: 300 });
    await generateExample({ seed: 7, outDir: b, companies: 300 });
    await generateExample({ seed: 8, outDir: c, companies: 300 });
    const [ha, hb, hc] = [hashTree(a), hashTree(b), hashTree(c)];
    expect(Object.keys(ha).sort()).toEqual([
      'hubspot-mirror/companies.csv',
      'hubspot-mirror/contacts.csv',
      'hubspot-mirror/deals.csv',
      'hubspot-mirror/engagements.csv',
      'legacy-export/Communication.csv',
      'legacy-export/Company.csv',
      'legacy-export/Opportunity.csv',
      'legacy-export/Person.csv',
      'truth.json',
    ]);
    expect(hb).toEqual(ha);
    for (const file of Object.keys(ha)) expect(hc[file], file).not.toBe(ha[file]);
  }, 60_000);

  it('writes the same data files whatever the truth detail or the objects selected', async () => {
    const [full, counts] = [tmpDir(), tmpDir()];
    await generateExample({ seed: 5, outDir: full, companies: 200 });
    await generateExample({
      seed: 5,
      outDir: counts,
      companies: 200,
      objects: ['contacts', 'companies'],
      truth: 'counts',
    });
    const [hf, hc] = [hashTree(full), hashTree(counts)];
    expect(hc['legacy-export/Company.csv']).toBe(hf['legacy-export/Company.csv']);
    expect(hc['legacy-export/Person.csv']).toBe(hf['legacy-export/Person.csv']);
    expect(hc['hubspot-mirror/contacts.csv']).toBe(hf['hubspot-mirror/contacts.csv']);
    expect(hc['legacy-export/Opportunity.csv']).toBeUndefined();
    const t = readTruth(counts);
    expect(Object.keys(t.objects)).toEqual(['companies', 'contacts']);
    expect(t.objects.companies!.records).toBeUndefined();
    expect(t.objects.companies!.quarantined).toBeUndefined();
    expect(t.objects.companies!.statuses).toEqual(readTruth(full).objects.companies!.statuses);
  }, 60_000);

  it('ships examples/ exactly as the script generates them (seed 42, 2000 companies)', async () => {
    const dir = tmpDir();
    await generateExample({ seed: 42, outDir: dir, companies: 2000 });
    // examples/sync/ and examples/n8n/ hold hand-written sync jobs and n8n workflows, not generated data.
    const shipped = Object.fromEntries(
      Object.entries(hashTree(SHIPPED)).filter(([file]) => !file.startsWith('sync/') && !file.startsWith('n8n/')),
    );
    expect(Object.keys(shipped).sort()).toEqual([...Object.keys(hashTree(dir)), 'README.md'].sort());
    delete shipped['README.md'];
    expect(shipped).toEqual(hashTree(dir));
  }, 60_000);
});

describe('the shipped export', () => {
  const truth = readTruth(SHIPPED);

  it('has the sizes asked for', () => {
    const o = truth.objects;
    expect(truth.seed).toBe(42);
    expect(truth.generatedBy).toBe('scripts/generate-example-data.ts');
    expect(o.companies!.dataRecords).toBeGreaterThan(2000);
    expect(o.contacts!.dataRecords).toBeGreaterThan(2700);
    expect(o.contacts!.dataRecords).toBeLessThan(3300);
    expect(o.deals!.dataRecords).toBeGreaterThan(2250);
    expect(o.deals!.dataRecords).toBeLessThan(2750);
    expect(o.engagements!.dataRecords).toBeGreaterThan(3600);
    expect(o.engagements!.dataRecords).toBeLessThan(4400);
    for (const t of Object.values(o)) {
      expect(t.quarantined!.length).toBeGreaterThanOrEqual(8);
      expect(t.quarantined!.length).toBeLessThanOrEqual(16);
      expect(t.statuses.conflict).toBeGreaterThan(0);
      expect(t.fieldIssues!.length).toBeGreaterThan(0);
    }
  });

  it('writes Company.csv as UTF-8 with BOM, commas and CRLF, with more columns than the mapping uses', () => {
    const bytes = readFileSync(path.join(SHIPPED, 'legacy-export', 'Company.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.split('\r\n').length).toBeGreaterThan(2000);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const { header } = readLegacy(SHIPPED, 'companies');
    expect(header[0]).toBe('Comp_CompanyId');
    expect(header).toEqual(expect.arrayContaining(['Comp_Deleted', 'Comp_SecTerr', 'Comp_WebSite', 'Addr_PostCode']));
    expect(text).toMatch(/MÃ¼ller|Ã¶|Ã©|Ã¤|ÃŸ/); // double-encoded names
    expect(text).toMatch(/\(020\) 7946-\d{4}/);
    expect(text).toMatch(/,\d{1,3},\d{3},\d{3}|"£?\d{1,3},\d{3},\d{3}(\.\d\d)?"/);
  });

  it('writes Person.csv in Windows-1252 with semicolons, accents and curly apostrophes', () => {
    const bytes = readFileSync(path.join(SHIPPED, 'legacy-export', 'Person.csv'));
    expect(bytes.includes(Buffer.from([0x92]))).toBe(true); // ’ as in O’Brien
    expect(bytes.includes(Buffer.from([0xc3, 0xa9]))).toBe(false); // no UTF-8 é
    const text = decodeLegacy(SHIPPED, 'contacts');
    for (const s of ['O’', 'é', 'ü', 'ñ', 'ø', 'ß']) expect(text, s).toContain(s);
    expect(text).not.toContain('\ufffd');
    const { header, rows } = readLegacy(SHIPPED, 'contacts');
    expect(header[0]).toBe('Pers_PersonId');
    expect(rows.filter((r) => r.fields.length === header.length).length).toBeGreaterThan(2900);
    // Nicknames and formal names of the same person across the two systems.
    const mirror = readMirror(SHIPPED, 'contacts');
    const legacyFirst = new Map(rows.map((r) => [r.fields[0]!, r.fields[header.indexOf('Pers_FirstName')]!.trim()]));
    const pairs = mirror.rows.map((m) => `${legacyFirst.get(m.legacy_person_id!)}/${m.firstname}`);
    expect(
      pairs.some((p) =>
        [
          'Bill/William',
          'William/Bill',
          'Liz/Elizabeth',
          'Elizabeth/Liz',
          'Bob/Robert',
          'Robert/Bob',
          'Mike/Michael',
          'Michael/Mike',
          'Jim/James',
          'James/Jim',
        ].includes(p),
      ),
    ).toBe(true);
  });

  it('writes Opportunity.csv tab-separated without BOM, and Communication.csv with quoted line breaks', () => {
    const opp = readFileSync(path.join(SHIPPED, 'legacy-export', 'Opportunity.csv'));
    expect(opp[0]).toBe('O'.charCodeAt(0));
    expect(opp.toString('utf8').split('\n')[0]!.split('\t')[0]).toBe('Oppo_OpportunityId');
    const comm = readLegacy(SHIPPED, 'engagements');
    const note = comm.header.indexOf('Comm_Note');
    const multiLine = comm.rows.filter((r) => /\n/.test(r.fields[note] ?? ''));
    expect(multiLine.length).toBeGreaterThan(50);
    expect(comm.rows.some((r) => /"[^"]+"/.test(r.fields[note] ?? ''))).toBe(true);
    // Physical lines outnumber records, and later records start on shifted lines.
    expect(comm.text.split('\n').length - 2).toBeGreaterThan(comm.rows.length);
    expect(comm.rows.at(-1)!.line).toBeGreaterThan(comm.rows.length + 50);
  });

  it('references existing companies, persons and opportunities', () => {
    const companies = new Set(readLegacy(SHIPPED, 'companies').rows.map((r) => r.fields[0]));
    const persons = readLegacy(SHIPPED, 'contacts');
    const personIds = new Set(persons.rows.map((r) => r.fields[0]));
    const deals = readLegacy(SHIPPED, 'deals');
    const dealIds = new Set(deals.rows.map((r) => r.fields[0]));
    const comms = readLegacy(SHIPPED, 'engagements');
    const check = (rows: { fields: string[] }[], index: number, ids: Set<string | undefined>) => {
      const refs = rows.map((r) => r.fields[index] ?? '').filter(Boolean);
      expect(refs.length).toBeGreaterThan(100);
      expect(refs.filter((id) => !ids.has(id))).toEqual([]);
    };
    const good = (f: { header: string[]; rows: { fields: string[] }[] }) =>
      f.rows.filter((r) => r.fields.length === f.header.length);
    check(good(persons), persons.header.indexOf('Pers_CompanyId'), companies);
    check(good(deals), deals.header.indexOf('Oppo_PrimaryCompanyId'), companies);
    check(good(deals), deals.header.indexOf('Oppo_PrimaryPersonId'), personIds);
    check(good(comms), comms.header.indexOf('CmLi_Comm_CompanyId'), companies);
    check(good(comms), comms.header.indexOf('CmLi_Comm_PersonId'), personIds);
    check(good(comms), comms.header.indexOf('Comm_OpportunityId'), dealIds);
  });
});

describe('scripts/generate-example-data.ts', () => {
  it('prints what it wrote', () => {
    const dir = tmpDir();
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'scripts', 'generate-example-data.ts'),
        '--seed',
        '9',
        '--companies',
        '120',
        '--objects',
        'companies,deals',
        '--out',
        dir,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('legacy-export/Company.csv');
    expect(child.stdout).toContain('hubspot-mirror/deals.csv');
    expect(child.stdout).not.toContain('Person.csv');
    expect(child.stdout).toMatch(/companies\s+1[23]\d legacy rows \(\d+ matched/);
    expect(readTruth(dir).seed).toBe(9);
    const bad = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', 'generate-example-data.ts'), '--objects', 'leads'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown object "leads"');
  }, 60_000);

  it('generates 20,000 companies (truth counts) in bounded memory', () => {
    const dir = tmpDir();
    // A 48 MB old-space cap: holding the records (or the answer key) in memory would exceed it.
    const child = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=48',
        '--import',
        'tsx',
        path.join(__dirname, 'fixtures', 'generate-child.ts'),
        dir,
        '20000',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout) as {
      peakHeapMb: number;
      maxRssMb: number;
      objects: Record<string, { dataRecords: number }>;
    };
    expect(report.objects.companies!.dataRecords).toBeGreaterThan(20_000);
    expect(report.objects.engagements!.dataRecords).toBeGreaterThan(36_000);
    expect(report.peakHeapMb).toBeLessThan(48);
    expect(report.maxRssMb).toBeLessThan(300);
    const t = readTruth(dir);
    expect(t.objects.companies!.records).toBeUndefined();
    expect(t.objects.contacts!.dataRecords).toBe(report.objects.contacts!.dataRecords);
  }, 120_000);
});
