/**
 * find_duplicates (the MCP tool's core) on the shipped example's reconciled records. The example plants no duplicate
 * people and 36 duplicate companies (truth.json); before, the tool auto-merged 421 groups of different people.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { findDuplicates, FindDuplicatesResultSchema, type FindDuplicatesResult } from '../../core/matching';
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

const groupOf = (result: FindDuplicatesResult, a: string, b: string) => result.groups.find((g) => g.records.includes(a) && g.records.includes(b));

describe('find_duplicates on the shipped example', () => {
  it('merges none of the example people, who have no duplicates, and says the data gave too little evidence', () => {
    const contacts = FindDuplicatesResultSchema.parse(found.contacts);
    expect(contacts.stats.evidence).toBe('insufficient');
    expect(contacts.stats.evidenceNote).toMatch(/so nothing is merged without review/);
    expect(contacts.stats.autoMergePairs).toBe(0);
    expect(contacts.groups.filter((g) => g.decision === 'auto-merge')).toEqual([]);
  });

  it('no longer merges Margaret and Mike Sørensen, nor the two Patricia Evans (other employers, e-mails and phones)', () => {
    for (const [a, b] of [['10806', '10925'], ['14449', '15247']] as const) {
      const group = groupOf(found.contacts!, a, b);
      expect(group?.decision ?? 'not grouped').not.toBe('auto-merge');
      for (const pair of group?.pairs ?? []) expect(pair.decision).toBe('review');
    }
    // Margaret and Mike share a surname and a mailbox name (msorensen@) at two companies: not even a review pair.
    expect(groupOf(found.contacts!, '10806', '10925')).toBeUndefined();
  });

  it('still groups every planted duplicate company, and auto-merges no two companies the generator made different', () => {
    const companies = found.companies!;
    const planted = Object.entries(truth().objects.companies!.records).filter(([, r]) => r.duplicateOf).map(([id, r]) => [id, r.duplicateOf!] as const);
    expect(planted).toHaveLength(36);
    expect(planted.filter(([a, b]) => groupOf(companies, a, b) === undefined)).toEqual([]);
    const same = new Set(planted.map(([a, b]) => [a, b].sort().join('|')));
    for (const g of companies.groups.filter((x) => x.decision === 'auto-merge')) {
      for (const p of g.pairs) expect(same.has([p.left, p.right].sort().join('|'))).toBe(true);
    }
  });
});
