import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../bench/matching/generate-contacts';
import { chooseSurvivor, clusterPairs } from '../../core/matching/cluster';
import { dedupe, DedupeResultSchema, link, LinkResultSchema } from '../../core/matching';

/** A population to learn from: EM needs more than the handful of records a test is about. */
function population(n: number, seed = 11): Array<Record<string, string>> {
  return generateContacts(n, seed).records.map((r) => ({
    id: r.id,
    first_name: r.first_name,
    last_name: r.last_name,
    email: r.email,
    phone: r.phone,
    company: r.company,
    city: r.city,
  }));
}

describe('dedupe', () => {
  const bill = {
    id: 'a1',
    first_name: 'Bill',
    last_name: 'Smith',
    email: '',
    phone: '(212) 555-2000',
    company: 'ACME Inc.',
    city: 'Springfield',
  };
  const william = {
    id: 'a2',
    first_name: 'William',
    last_name: 'Smith',
    email: 'bill.smith@acme.com',
    phone: '+1 212-555-2000',
    company: 'Acme Incorporated',
    city: 'springfield',
  };
  const other = {
    id: 'a3',
    first_name: 'Wilma',
    last_name: 'Smythe',
    email: 'wilma@globex.com',
    phone: '(415) 555-7777',
    company: 'Globex',
    city: 'Shelbyville',
  };

  it('finds Bill Smith of ACME Inc. and William Smith of Acme Incorporated to be one customer, and says why', () => {
    const result = dedupe([...population(400), bill, william, other], { preset: 'contacts' });
    expect(DedupeResultSchema.parse(result)).toBeTruthy();
    const cluster = result.clusters.find((c) => c.records.includes('a1'));
    expect(cluster?.records).toEqual(['a1', 'a2']);
    expect(cluster?.survivor).toBe('a2');
    const pair = result.pairs.find((p) => [p.left, p.right].sort().join() === 'a1,a2')!;
    expect(pair.confidence).toBeGreaterThanOrEqual(90);
    expect(pair.decision).toBe('auto-merge');
    const reason = (field: string) => pair.reasons!.find((r) => r.field === field)!;
    expect(reason('given_name')).toMatchObject({ level: 'nickname', outcome: 'agree' });
    expect(reason('phone')).toMatchObject({ level: 'exact', outcome: 'agree' });
    expect(reason('company')).toMatchObject({ level: 'exact', outcome: 'agree' });
    expect(reason('email')).toMatchObject({ level: 'blank', outcome: 'missing', weight: 0 });
    expect(reason('given_name').weight).toBeGreaterThan(0);
    expect(result.clusters.some((c) => c.records.includes('a3'))).toBe(false);
  });

  it('says which columns it used, whatever they are called', () => {
    const rows = [
      {
        'Record ID': '1',
        'Given Name': 'Ann',
        Surname: 'Lee',
        'E-mail Address': 'ann@x.com',
        Telephone: '2125550100',
        'Postal Code': '10001',
        DOB: '1980-01-02',
        Notes: 'vip',
      },
      {
        'Record ID': '2',
        'Given Name': 'Anne',
        Surname: 'Lee',
        'E-mail Address': 'ann@x.com',
        Telephone: '',
        'Postal Code': '10001',
        DOB: '',
        Notes: '',
      },
    ];
    const result = dedupe(rows, { preset: 'contacts' });
    expect(result.idColumn).toBe('Record ID');
    expect(result.columnsUsed).toEqual([
      { field: 'given_name', kind: 'givenName', columns: ['Given Name'] },
      { field: 'surname', kind: 'familyName', columns: ['Surname'] },
      { field: 'email', kind: 'email', columns: ['E-mail Address'] },
      { field: 'phone', kind: 'phone', columns: ['Telephone'] },
      { field: 'date_of_birth', kind: 'date', columns: ['DOB'] },
      { field: 'postcode', kind: 'postcode', columns: ['Postal Code'] },
    ]);
  });

  it('reads the columns of an explicit field config', () => {
    const rows = [
      { key: 'x', org: 'Acme Ltd', web: 'https://www.acme.com' },
      { key: 'y', org: 'ACME Limited', web: 'acme.com/contact' },
      { key: 'z', org: 'Globex', web: 'globex.com' },
    ];
    const result = dedupe(rows, {
      idColumn: 'key',
      fields: [
        { name: 'org', kind: 'companyName', columns: ['org'] },
        { name: 'site', kind: 'domain', columns: ['web'] },
      ],
    });
    expect(result.columnsUsed.map((c) => c.columns)).toEqual([['org'], ['web']]);
    expect(result.clusters.map((c) => c.records)).toEqual([['x', 'y']]);
  });
});

describe('link', () => {
  it('links two sources with differently named columns, only across them', () => {
    const left: Array<Record<string, string>> = population(300, 5).map((r) => ({ ...r, id: `L${r.id}` }));
    const right = [
      {
        ref: 'R1',
        given_name: 'Bob',
        surname: left[0]!.last_name,
        email_address: left[0]!.email,
        telephone: left[0]!.phone,
        company: left[0]!.company,
        city: left[0]!.city,
      },
      {
        ref: 'R2',
        given_name: 'Zed',
        surname: 'Quux',
        email_address: 'zed@quux.io',
        telephone: '',
        company: '',
        city: '',
      },
    ];
    left[0]!.first_name = 'Robert';
    const result = link(left, right, { preset: 'contacts', rightIdColumn: 'ref' });
    expect(LinkResultSchema.parse(result)).toBeTruthy();
    expect(result.rightIdColumn).toBe('ref');
    expect(result.columnsUsed.find((c) => c.field === 'email')).toEqual({
      field: 'email',
      kind: 'email',
      columns: ['email'],
      rightColumns: ['email_address'],
    });
    const linked = result.clusters.filter((c) => c.right.length > 0);
    expect(linked).toHaveLength(1);
    expect(linked[0]!.right).toEqual(['R1']);
    expect(linked[0]!.left).toContain(left[0]!.id);
    for (const p of result.pairs) expect(p.right.startsWith('R')).toBe(true);
  });
});

describe('clustering', () => {
  it('does not chain A~B~C into one entity when A and C are far apart', () => {
    // 0~1 and 1~2 are strong, but 0 and 2 are plainly different: connected components would merge all three.
    const score = (a: number, b: number) => (a + b === 2 ? 0.001 : 0.99);
    const groups = clusterPairs(
      3,
      [
        { a: 0, b: 1, p: 0.99 },
        { a: 1, b: 2, p: 0.98 },
      ],
      score,
      { threshold: 0.5, floor: 0.01, maxChecks: 64 },
    );
    expect(groups).toEqual([[0, 1]]);
  });

  it('still joins groups whose members all agree', () => {
    const groups = clusterPairs(
      4,
      [
        { a: 0, b: 1, p: 0.99 },
        { a: 2, b: 3, p: 0.99 },
        { a: 1, b: 2, p: 0.9 },
      ],
      () => 0.8,
      { threshold: 0.5, floor: 0.01, maxChecks: 64 },
    );
    expect(groups).toEqual([[0, 1, 2, 3]]);
  });

  it('lets a sparse record join on one strong pair when the others are weak but not contradictory', () => {
    // 2 has only a surname and a birth date: strong with 1, weak (0.3) with 0, but nothing rules it out.
    const score = (a: number, b: number) => (a + b === 2 ? 0.3 : 0.99);
    const edges = [
      { a: 0, b: 1, p: 0.99 },
      { a: 1, b: 2, p: 0.95 },
    ];
    expect(clusterPairs(3, edges, score, { threshold: 0.5, average: 0.1, floor: 0.001, maxChecks: 64 })).toEqual([
      [0, 1, 2],
    ]);
    // The old bar (cross pairs averaging the threshold) splits it off.
    expect(clusterPairs(3, edges, () => 0.01, { threshold: 0.5, floor: 0.001, maxChecks: 64 })).toEqual([[0, 1]]);
  });

  it('keeps the most complete record, then the most recent', () => {
    const filled = [3, 5, 5];
    const recent = ['2024-01-01', '2023-01-01', '2024-06-01'];
    expect(
      chooseSurvivor(
        [0, 1, 2],
        (i) => filled[i]!,
        (i) => recent[i]!,
      ),
    ).toBe(2);
    expect(
      chooseSurvivor(
        [0, 1],
        (i) => filled[i]!,
        () => null,
      ),
    ).toBe(1);
  });
});
