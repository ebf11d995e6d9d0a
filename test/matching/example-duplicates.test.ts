/**
 * find_duplicates (the MCP tool's core) on the shipped example's reconciled records. The example plants no duplicate
 * people and 36 duplicate companies (truth.json); before, the tool auto-merged 421 groups of different people.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../core/errors';
import { builtInMapping } from '../../core/mapping/load-mapping';
import {
  findDuplicates,
  FindDuplicatesInputSchema,
  FindDuplicatesResultSchema,
  type FindDuplicatesResult,
} from '../../core/matching';
import { reconcile } from '../../core/reconcile/reconcile';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, truth } from '../helpers/example-data';

const mapping = builtInMapping();
let t: TestDatabase;
const found: Record<string, FindDuplicatesResult> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  await loadExampleMirror(t.db);
  for (const object of ['companies', 'contacts'] as const) {
    await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR, fuzzy: false });
    found[object] = await findDuplicates(async () => t.db, mapping, { object, maxClusters: 1000 });
  }
}, 180_000);
afterAll(async () => t?.drop());

const groupOf = (result: FindDuplicatesResult, a: string, b: string) =>
  result.groups.find((g) => g.records.includes(a) && g.records.includes(b));

describe('find_duplicates on the shipped example', () => {
  it('merges none of the example people, who have no duplicates, and says the data gave too little evidence', () => {
    const contacts = FindDuplicatesResultSchema.parse(found.contacts);
    expect(contacts.stats.evidence).toBe('insufficient');
    expect(contacts.stats.evidenceNote).toMatch(/so nothing is merged without review/);
    expect(contacts.stats.autoMergePairs).toBe(0);
    expect(contacts.groups.filter((g) => g.decision === 'auto-merge')).toEqual([]);
  });

  it('no longer merges Margaret and Mike Sørensen, nor the two Patricia Evans (other employers, e-mails and phones)', () => {
    for (const [a, b] of [
      ['10806', '10925'],
      ['14449', '15247'],
    ] as const) {
      const group = groupOf(found.contacts!, a, b);
      expect(group?.decision ?? 'not grouped').not.toBe('auto-merge');
      for (const pair of group?.pairs ?? []) expect(pair.decision).toBe('review');
    }
    // Margaret and Mike share a surname and a mailbox name (msorensen@) at two companies: not even a review pair.
    expect(groupOf(found.contacts!, '10806', '10925')).toBeUndefined();
  });

  it('still groups every planted duplicate company, and auto-merges no two companies the generator made different', () => {
    const companies = found.companies!;
    const planted = Object.entries(truth().objects.companies!.records)
      .filter(([, r]) => r.duplicateOf)
      .map(([id, r]) => [id, r.duplicateOf!] as const);
    expect(planted).toHaveLength(36);
    expect(planted.filter(([a, b]) => groupOf(companies, a, b) === undefined)).toEqual([]);
    const same = new Set(planted.map(([a, b]) => [a, b].sort().join('|')));
    for (const g of companies.groups.filter((x) => x.decision === 'auto-merge')) {
      for (const p of g.pairs) expect(same.has([p.left, p.right].sort().join('|'))).toBe(true);
    }
  });
});

describe('find_duplicates with fields named by hand', () => {
  it('takes the same field shorthand as the CLI and the n8n node, and refuses a bad one naming it', async () => {
    const records = [
      { Nr: '1', Vorname: 'Bill', Nachname: 'Schmidt', EPost: 'bill.schmidt@acme.de' },
      { Nr: '2', Vorname: 'William', Nachname: 'Schmidt', EPost: 'Bill.Schmidt@ACME.de' },
      { Nr: '3', Vorname: 'Greta', Nachname: 'Wolff', EPost: 'greta@globex.de' },
    ];
    const result = await findDuplicates(async () => t.db, mapping, {
      records,
      idColumn: 'Nr',
      fields: 'first_name=Vorname,last_name=Nachname,email=EPost',
    });
    expect(result.columnsUsed.map((c) => `${c.field}=${c.columns.join()}`)).toEqual([
      'given_name=Vorname',
      'surname=Nachname',
      'email=EPost',
    ]);
    expect(result.groups.map((g) => g.records)).toEqual([['1', '2']]);
    // Three records teach nothing about what a duplicate looks like here: the pair is for review.
    expect(result.stats.evidence).toBe('insufficient');
    expect(result.groups[0]!.decision).toBe('review');
    expect(
      FindDuplicatesInputSchema.safeParse({ records, fields: [{ name: 'n', kind: 'fullName', columns: ['Vorname'] }] })
        .success,
    ).toBe(true);
    const refused = await findDuplicates(async () => t.db, mapping, {
      records,
      idColumn: 'Nr',
      fields: 'vorname=Vorname',
    }).catch((e: unknown) => e);
    // What the MCP tool answers (tool-result.ts describes errors the same way).
    expect(describeError(refused)).toMatch(/^invalid input: "vorname" names no field: use a field kind/);
  });
});
