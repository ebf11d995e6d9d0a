import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  resolveConflicts,
  ResolveResultSchema,
  type ConflictCandidate,
  type ConflictRulesInput,
} from '../../core/conflicts';

const hs = (
  record: ConflictCandidate['record'],
  modifiedAt?: string,
  fieldModifiedAt?: Record<string, string>,
): ConflictCandidate => ({ source: 'hubspot', record, modifiedAt, fieldModifiedAt });
const sf = (
  record: ConflictCandidate['record'],
  modifiedAt?: string,
  fieldModifiedAt?: Record<string, string>,
): ConflictCandidate => ({ source: 'salesforce', record, modifiedAt, fieldModifiedAt });
const pd = (record: ConflictCandidate['record'], modifiedAt?: string): ConflictCandidate => ({
  source: 'pipedrive',
  record,
  modifiedAt,
});

const LWW: ConflictRulesInput = { default: { strategy: 'lastWriteWins' } };

describe('last write wins', () => {
  it('takes the newest record, and says what it replaced', () => {
    const r = resolveConflicts(
      [hs({ phone: '111' }, '2024-05-01T10:00:00Z'), sf({ phone: '222' }, '2024-05-02T09:00:00Z')],
      LWW,
    );
    expect(r.record).toEqual({ phone: '222' });
    expect(r.provenance.phone).toMatchObject({
      source: 'salesforce',
      rule: 'lastWriteWins',
      conflict: true,
      overridden: [{ source: 'hubspot', value: '111' }],
    });
    expect(r.provenance.phone!.reason).toMatch(/newest change \(2024-05-02T09:00:00.000Z/);
    expect(ResolveResultSchema.parse(r)).toEqual(r);
  });

  it('prefers field-level change times over the record time', () => {
    const r = resolveConflicts(
      [
        hs({ phone: '111', city: 'Leeds' }, '2024-05-03T00:00:00Z', { phone: '2024-01-01T00:00:00Z' }),
        sf({ phone: '222', city: 'York' }, '2024-05-02T00:00:00Z'),
      ],
      LWW,
    );
    expect(r.record).toEqual({ phone: '222', city: 'Leeds' });
  });

  it('compares times across offsets and formats', () => {
    // 10:30+02:00 is 08:30Z: earlier than 09:00Z.
    const r = resolveConflicts(
      [hs({ x: 'a' }, '2024-05-01T10:30:00+02:00'), sf({ x: 'b' }, '2024-05-01 09:00:00')],
      LWW,
    );
    expect(r.record.x).toBe('b');
    const epoch = resolveConflicts(
      [
        hs({ x: 'a' }, '2024-05-01T09:00:01Z'),
        { source: 'salesforce', record: { x: 'b' }, modifiedAt: Date.parse('2024-05-01T09:00:00Z') },
      ],
      LWW,
    );
    expect(epoch.record.x).toBe('a');
  });

  it('treats changes within the same second as a tie: source priority, then source name', () => {
    const cands = [hs({ x: 'a' }, '2024-05-01T09:00:00.900Z'), sf({ x: 'b' }, '2024-05-01T09:00:00Z')];
    // Without priorities, by name: hubspot < salesforce.
    expect(resolveConflicts(cands, LWW).provenance.x).toMatchObject({ source: 'hubspot' });
    expect(resolveConflicts(cands, LWW).provenance.x!.reason).toMatch(
      /tie with salesforce: no priority between them, so by source name/,
    );
    const ranked = resolveConflicts(cands, { ...LWW, sourcePriority: ['salesforce', 'hubspot'] });
    expect(ranked.provenance.x).toMatchObject({ source: 'salesforce', value: 'b' });
    expect(ranked.provenance.x!.reason).toMatch(/salesforce ranks higher in source priority/);
    // The order of the candidates never matters.
    expect(resolveConflicts([...cands].reverse(), { ...LWW, sourcePriority: ['salesforce'] }).record.x).toBe('b');
    // With millisecond precision the later one wins outright.
    expect(resolveConflicts(cands, { default: { strategy: 'lastWriteWins', precisionMs: 1 } }).record.x).toBe('a');
  });

  it('ranks a record without a change time below any record with one; with none at all, falls to the tie-break', () => {
    expect(resolveConflicts([hs({ x: 'a' }), sf({ x: 'b' }, '2001-01-01T00:00:00Z')], LWW).record.x).toBe('b');
    const none = resolveConflicts([hs({ x: 'a' }), sf({ x: 'b' })], { ...LWW, sourcePriority: ['salesforce'] });
    expect(none.provenance.x).toMatchObject({ source: 'salesforce' });
    expect(none.provenance.x!.reason).toMatch(/no source has a change time/);
  });

  it('does not let a newer blank overwrite a value, unless blanks are allowed', () => {
    const cands = [hs({ x: 'a' }, '2024-01-01T00:00:00Z'), sf({ x: '' }, '2024-06-01T00:00:00Z')];
    expect(resolveConflicts(cands, LWW).provenance.x).toMatchObject({ value: 'a', source: 'hubspot', conflict: false });
    const cleared = resolveConflicts(
      cands,
      { default: { strategy: 'lastWriteWins', allowBlank: true } },
      { current: { x: 'a' } },
    );
    expect(cleared.record.x).toBeNull();
    expect(cleared.provenance.x).toMatchObject({ source: 'salesforce', conflict: true });
    expect(cleared.changes).toEqual([{ type: 'REMOVE', path: ['x'], oldValue: 'a' }]);
  });

  it('rejects unreadable times', () => {
    expect(() => resolveConflicts([hs({ x: 'a' }, 'yesterday')], LWW)).toThrow(ZodError);
  });
});

describe('source priority', () => {
  const rules: ConflictRulesInput = {
    default: { strategy: 'sourcePriority' },
    sourcePriority: ['salesforce', 'hubspot'],
  };

  it('takes the first listed source that has a value', () => {
    const r = resolveConflicts(
      [
        hs({ name: 'Acme Ltd', phone: '1' }),
        sf({ name: 'ACME Limited', phone: null }),
        pd({ name: 'Acme', phone: '3' }),
      ],
      rules,
    );
    expect(r.record).toEqual({ name: 'ACME Limited', phone: '1' });
    expect(r.provenance.name!.overridden).toEqual([
      { source: 'hubspot', value: 'Acme Ltd' },
      { source: 'pipedrive', value: 'Acme' },
    ]);
    expect(r.provenance.phone!.reason).toMatch(/hubspot is #2/);
  });

  it('puts unlisted sources last, by name, and a rule may carry its own order', () => {
    const r = resolveConflicts([pd({ a: 'p' }), { source: 'dynamics', record: { a: 'd' } }], rules);
    expect(r.provenance.a).toMatchObject({ source: 'dynamics' });
    expect(r.provenance.a!.reason).toMatch(/no listed source has a value/);
    const own = resolveConflicts([hs({ a: 'h' }), pd({ a: 'p' })], {
      ...rules,
      fields: { a: { strategy: 'sourcePriority', order: ['pipedrive'] } },
    });
    expect(own.record.a).toBe('p');
  });

  it('takes a blank from the first source when blanks are allowed', () => {
    expect(resolveConflicts([hs({ a: 'h' }), sf({ a: null })], { ...rules, allowBlank: true }).record.a).toBeNull();
  });
});

describe('nulls, empty strings and absent fields', () => {
  it('treats null, "", spaces and [] as blank, and an absent field as no say at all', () => {
    const r = resolveConflicts([hs({ a: null, b: '  ', c: [] }), sf({ a: '', d: 'x' })], LWW);
    expect(r.record).toEqual({ a: null, b: null, c: null, d: 'x' });
    expect(r.provenance.a).toMatchObject({ rule: 'allBlank', source: null, conflict: false });
    expect(r.changes).toEqual([{ type: 'CREATE', path: ['d'], value: 'x' }]);
  });

  it('keeps 0 and false: they are values, not blanks', () => {
    const r = resolveConflicts(
      [hs({ n: 0, f: false }, '2024-01-02T00:00:00Z'), sf({ n: 5, f: true }, '2024-01-01T00:00:00Z')],
      LWW,
    );
    expect(r.record).toEqual({ n: 0, f: false });
  });

  it('never clears the current value with a blank', () => {
    const r = resolveConflicts([hs({ a: '' }), sf({ a: null })], LWW, { current: { a: 'keep', z: 'untouched' } });
    expect(r.record).toEqual({ a: 'keep', z: 'untouched' });
    expect(r.provenance.a).toMatchObject({ rule: 'neverOverwriteWithBlank', value: 'keep' });
    expect(r.changes).toEqual([]);
  });
});

describe('type mismatches', () => {
  it('a number and a numeric string are the same value: no conflict, no change', () => {
    const r = resolveConflicts(
      [hs({ amount: '1200' }, '2024-01-02T00:00:00Z'), sf({ amount: 1200 }, '2024-01-01T00:00:00Z')],
      LWW,
      { current: { amount: 1200 } },
    );
    expect(r.provenance.amount).toMatchObject({ conflict: false, change: null, overridden: [] });
    expect(r.record.amount).toBe(1200);
  });

  it('canonicalises with the mapping transforms: thousands separators, dates in other orders, phones', () => {
    const rules: ConflictRulesInput = {
      ...LWW,
      transformDefaults: { phoneCountry: 'GB', dateOrder: 'DMY' },
      fields: {
        amount: { strategy: 'lastWriteWins', transform: ['number'] },
        closedate: { strategy: 'lastWriteWins', transform: ['date'] },
        phone: { strategy: 'sourcePriority', transform: ['phone'] },
      },
    };
    const r = resolveConflicts(
      [
        hs({ amount: '1,200.00', closedate: '14/03/2019', phone: '020 7946 0123' }, '2024-01-02T00:00:00Z'),
        sf({ amount: 1200, closedate: '2019-03-14', phone: '+44 20 7946 0123' }, '2024-01-01T00:00:00Z'),
      ],
      rules,
      { current: { amount: '1200', closedate: '2019-03-14', phone: '+442079460123' } },
    );
    for (const f of ['amount', 'closedate', 'phone'])
      expect(r.provenance[f]).toMatchObject({ conflict: false, change: null });
    expect(r.changes).toEqual([]);
    const changed = resolveConflicts([hs({ closedate: '15/03/2019' })], rules, {
      current: { closedate: '2019-03-14' },
    });
    expect(changed.changes).toEqual([
      { type: 'CHANGE', path: ['closedate'], value: '2019-03-15', oldValue: '2019-03-14' },
    ]);
  });

  it('compares a value the transform refuses as written, rather than failing', () => {
    const r = resolveConflicts(
      [hs({ amount: 'approx 50' }, '2024-01-02T00:00:00Z'), sf({ amount: 50 }, '2024-01-01T00:00:00Z')],
      { ...LWW, fields: { amount: { strategy: 'lastWriteWins', transform: ['number'] } } },
    );
    expect(r.provenance.amount).toMatchObject({ value: 'approx 50', conflict: true });
  });

  it('does not fold numeric strings when no candidate is a number (postcodes, IDs)', () => {
    expect(resolveConflicts([hs({ zip: '01234' }), sf({ zip: '1234' })], LWW).provenance.zip!.conflict).toBe(true);
  });
});

describe('most complete', () => {
  const rules: ConflictRulesInput = { default: { strategy: 'mostComplete' } };

  it('takes the value of the record with the most filled fields', () => {
    const r = resolveConflicts(
      [hs({ name: 'A', email: 'a@x.com', phone: null }), sf({ name: 'B', email: 'b@x.com', phone: '1' })],
      rules,
    );
    expect(r.record).toEqual({ name: 'B', email: 'b@x.com', phone: '1' });
    expect(r.provenance.name!.reason).toMatch(/most complete record \(3 filled fields\)/);
  });

  it('breaks ties by source priority and counts only the listed fields if given', () => {
    const tie = resolveConflicts([hs({ name: 'A', x: '1' }), sf({ name: 'B', y: '2' })], {
      ...rules,
      sourcePriority: ['salesforce'],
    });
    expect(tie.record.name).toBe('B');
    const listed = resolveConflicts([hs({ name: 'A', x: '1', y: '1' }), sf({ name: 'B', email: 'b@x.com' })], {
      default: { strategy: 'mostComplete', fields: ['name', 'email'] },
    });
    expect(listed.record.name).toBe('B');
  });
});

describe('union of multi-value fields', () => {
  it('merges ;-separated picklists without duplicates (case-insensitive), in source-priority order', () => {
    const r = resolveConflicts([hs({ products: 'CRM;Email' }), sf({ products: 'email; Support ;' })], {
      default: { strategy: 'union' },
      sourcePriority: ['salesforce'],
    });
    expect(r.record.products).toBe('email;Support;CRM');
    expect(r.provenance.products).toMatchObject({
      rule: 'union',
      source: null,
      sources: ['salesforce', 'hubspot'],
      overridden: [],
    });
  });

  it('merges lists of emails after canonicalising them, and returns a list when given lists', () => {
    const r = resolveConflicts([hs({ emails: ['Ann@Acme.com', 'ann@home.org'] }), sf({ emails: 'ann@acme.com' })], {
      default: { strategy: 'union', transform: ['email'] },
    });
    expect(r.record.emails).toEqual(['ann@acme.com', 'ann@home.org']);
  });

  it('uses another separator, and yields blank when every side is blank', () => {
    expect(
      resolveConflicts([hs({ t: 'a,b' }), sf({ t: 'c' })], { default: { strategy: 'union', separator: ',' } }).record.t,
    ).toBe('a,b,c');
    expect(
      resolveConflicts([hs({ t: '' }), sf({ t: null })], { default: { strategy: 'union' } }).provenance.t,
    ).toMatchObject({ rule: 'allBlank', value: null });
  });
});

describe('field-level and custom rules', () => {
  it('applies a rule per field over the default', () => {
    const r = resolveConflicts(
      [
        hs({ email: 'h@x.com', stage: 'won', tags: 'a' }, '2024-01-01T00:00:00Z'),
        sf({ email: 's@x.com', stage: 'lost', tags: 'b' }, '2024-02-01T00:00:00Z'),
      ],
      {
        default: { strategy: 'lastWriteWins' },
        fields: { email: { strategy: 'sourcePriority', order: ['hubspot'] }, tags: { strategy: 'union' } },
      },
    );
    expect(r.record).toEqual({ email: 'h@x.com', stage: 'lost', tags: 'a;b' });
    expect(Object.values(r.provenance).map((p) => p.rule)).toEqual(['sourcePriority', 'lastWriteWins', 'union']);
  });

  it('runs a custom function, and falls back to the default when it passes', () => {
    const custom = {
      maxAmount: ({
        candidates,
      }: {
        candidates: ReadonlyArray<{ source: string; value: unknown; blank: boolean }>;
      }) => {
        const best = candidates.filter((c) => !c.blank).sort((a, b) => Number(b.value) - Number(a.value))[0];
        return best ? { value: best.value as number, source: best.source, reason: 'largest amount' } : null;
      },
      pass: () => null,
    };
    const rules: ConflictRulesInput = {
      default: { strategy: 'sourcePriority' },
      sourcePriority: ['hubspot'],
      fields: { amount: { strategy: 'custom', name: 'maxAmount' }, x: { strategy: 'custom', name: 'pass' } },
    };
    const r = resolveConflicts([hs({ amount: 10, x: 'h' }), sf({ amount: '25', x: 's' })], rules, { custom });
    expect(r.provenance.amount).toMatchObject({
      value: '25',
      source: 'salesforce',
      rule: 'custom',
      reason: 'custom rule "maxAmount": largest amount',
    });
    expect(r.provenance.x).toMatchObject({ value: 'h', rule: 'sourcePriority' });
    expect(r.provenance.x!.reason).toMatch(/^custom rule "pass" passed; /);
    expect(() => resolveConflicts([hs({ amount: 1 })], rules)).toThrow(/custom rule "maxAmount" was not passed/);
  });
});

describe('changes against the current record (microdiff shape)', () => {
  it('reports CREATE, CHANGE and REMOVE, and leaves equal values alone', () => {
    const r = resolveConflicts(
      [hs({ a: 'new', b: 'B2', c: '', d: ' same  text ' }, '2024-01-01T00:00:00Z')],
      { ...LWW, allowBlank: true },
      { current: { a: '', b: 'B1', c: 'C', d: 'same text' } },
    );
    expect(r.changes).toEqual([
      { type: 'CREATE', path: ['a'], value: 'new' },
      { type: 'CHANGE', path: ['b'], value: 'B2', oldValue: 'B1' },
      { type: 'REMOVE', path: ['c'], oldValue: 'C' },
    ]);
    expect(r.record).toEqual({ a: 'new', b: 'B2', c: null, d: 'same text' });
    expect(r.provenance.b!.change).toEqual(r.changes[1]);
  });

  it('without a current record, every resolved value is a CREATE', () => {
    expect(resolveConflicts([hs({ a: '1', b: null })], LWW).changes).toEqual([
      { type: 'CREATE', path: ['a'], value: '1' },
    ]);
  });

  it('validates its input', () => {
    expect(() => resolveConflicts([], LWW)).toThrow(ZodError);
    expect(() => resolveConflicts([hs({ a: '1' }), hs({ a: '2' })], LWW)).toThrow(/given twice/);
    expect(() => resolveConflicts([hs({ a: '1' })], { default: { strategy: 'newest' } } as never)).toThrow(ZodError);
  });
});
