import { describe, expect, it } from 'vitest';
import type { ObjectSchema } from '../../core/connectors/connector';
import { maxScoreMatching, minCostAssignment } from '../../core/mapping/suggest/hungarian';
import { expectedTargets, loadLabeledPairs, type LabeledPair } from '../../core/mapping/suggest/labeled-pairs';
import { kindOf } from '../../core/mapping/suggest/profile';
import { SuggestInputSchema, SuggestResultSchema } from '../../core/mapping/suggest/schemas';
import { suggestMappings } from '../../core/mapping/suggest/suggest';
import { buildVocabulary, segment, stripAffixes, terms } from '../../core/mapping/suggest/tokens';

const vocab = buildVocabulary();
const ids = (name: string, isName = true) => terms(name, vocab, isName).map((t) => t.id);

describe('field names', () => {
  it('strips table prefixes, Salesforce suffixes and vendor prefixes', () => {
    expect(stripAffixes('Comp_PhoneFullNumber')).toBe('PhoneFullNumber');
    expect(stripAffixes('CmLi_Comm_CompanyId')).toBe('CompanyId');
    expect(stripAffixes('Region__c')).toBe('Region');
    expect(stripAffixes('acme__Region__c')).toBe('Region');
    expect(ids('hs_lead_status')).toEqual(['status']);
    expect(ids('hubspot_owner_id')).toEqual(['owner', 'id']);
  });

  it('splits camelCase, snake_case and run-together words into concepts', () => {
    expect(ids('MailingPostalCode')).toEqual(['mailing', 'zip']);
    expect(ids('numberofemployees')).toEqual(['employees']);
    expect(ids('Oppo_TargetClose')).toEqual(['close_date']);
    expect(ids('expected_close_date')).toEqual(['close_date']);
    expect(ids('Comp_WebSite')).toEqual(['website']);
    expect(ids('Billing Zip/Postal Code', false)).toEqual(['billing', 'zip', 'zip']);
    expect(segment('twitterhandle', vocab.lexicon)).toEqual(['twitter', 'handle']);
    expect(segment('qwxz', vocab.lexicon)).toBeNull();
  });

  it('classifies sample values', () => {
    expect(kindOf('a.b@c.co.uk')).toBe('email');
    expect(kindOf('020 7946 0123')).toBe('phone');
    expect(kindOf('+442079460123')).toBe('phone');
    expect(kindOf('14/03/2019')).toBe('date');
    expect(kindOf('2019-03-14T10:00:00Z')).toBe('datetime');
    expect(kindOf('1200')).toBe('integer');
    expect(kindOf('4248000.00')).toBe('decimal');
    expect(kindOf('www.acme.com')).toBe('url');
    expect(kindOf('0015g00000XyZ12AAB')).toBe('id');
    expect(kindOf('Closed Won')).toBe('text');
  });
});

/** Every permutation-based assignment, for checking the Hungarian algorithm. */
function bruteForceMin(cost: number[][]): number {
  const n = cost.length;
  const m = cost[0]!.length;
  let best = Infinity;
  const used = new Array<boolean>(m).fill(false);
  const go = (i: number, acc: number) => {
    if (acc >= best) return;
    if (i === n) return void (best = acc);
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      go(i + 1, acc + cost[i]![j]!);
      used[j] = false;
    }
  };
  go(0, 0);
  return best;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('assignment', () => {
  it('finds the optimal assignment: Hungarian equals brute force on 300 random matrices', () => {
    const rand = rng(42);
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(rand() * 6);
      const m = n + Math.floor(rand() * 3);
      // Integer costs with many ties stress the tie handling.
      const cost = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.floor(rand() * 10)));
      const a = minCostAssignment(cost);
      expect(new Set(a).size).toBe(n);
      expect(a.reduce((s, j, i) => s + cost[i]![j]!, 0)).toBe(bruteForceMin(cost));
    }
  });

  it('leaves a row unmatched rather than pair it below the threshold, and never pairs a column twice', () => {
    // Row 1 prefers column 0 like row 0, but row 0 needs it more; row 1's next best (30) is below the threshold.
    expect(
      maxScoreMatching(
        [
          [90, 10],
          [80, 30],
        ],
        50,
      ),
    ).toEqual([0, -1]);
    expect(
      maxScoreMatching(
        [
          [90, 60],
          [80, 30],
        ],
        50,
      ),
    ).toEqual([1, 0]);
    expect(maxScoreMatching([], 50)).toEqual([]);
    expect(() => minCostAssignment([[1], [2]])).toThrow(/at least as many columns/);
  });
});

const schema = (object: string, fields: ObjectSchema['fields'], idField = 'id'): ObjectSchema => ({
  object,
  idField,
  fields,
});

describe('suggestMappings', () => {
  const source = schema(
    'Person',
    [
      { name: 'Pers_PersonId', type: 'integer' },
      { name: 'Pers_FirstName', type: 'string' },
      { name: 'Pers_LastName', type: 'string' },
      { name: 'Pers_EmailAddress', type: 'string', sample: ['a.b@acme.com', 'c@d.org'] },
      { name: 'Pers_PhoneFullNumber', type: 'string', sample: ['020 7946 0123'] },
      { name: 'Pers_MobileFullNumber', type: 'string', sample: ['07700 900850'] },
      { name: 'Addr_PostCode', type: 'string' },
      { name: 'Pers_Gender', type: 'string', sample: ['Female', 'Male'] },
    ],
    'Pers_PersonId',
  );
  const target = schema(
    'contacts',
    [
      { name: 'hs_object_id', type: 'number', readOnly: true },
      { name: 'firstname', label: 'First Name', type: 'string' },
      { name: 'lastname', label: 'Last Name', type: 'string' },
      { name: 'email', label: 'Email', type: 'string', format: 'email' },
      { name: 'phone', label: 'Phone Number', type: 'string', format: 'phone' },
      { name: 'mobilephone', label: 'Mobile Phone Number', type: 'string', format: 'phone' },
      { name: 'zip', label: 'Postal Code', type: 'string' },
      { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', readOnly: true },
    ],
    'hs_object_id',
  );

  it('maps one-to-one with confidence and reasons, and says "no match" honestly', () => {
    const r = suggestMappings(source, target);
    const got = Object.fromEntries(r.suggestions.map((s) => [s.source, s.target]));
    expect(got).toEqual({
      Pers_PersonId: null,
      Pers_FirstName: 'firstname',
      Pers_LastName: 'lastname',
      Pers_EmailAddress: 'email',
      Pers_PhoneFullNumber: 'phone',
      Pers_MobileFullNumber: 'mobilephone',
      Addr_PostCode: 'zip',
      Pers_Gender: null,
    });
    const zip = r.suggestions.find((s) => s.source === 'Addr_PostCode')!;
    expect(zip.confidence).toBeGreaterThanOrEqual(90);
    expect(zip.reasons.join(' ')).toMatch(/synonyms: post code = zip/);
    expect(r.suggestions.find((s) => s.source === 'Pers_Gender')!.reasons[0]).toMatch(/^no match/);
    // Read-only and ID fields of the target are never proposed.
    expect(r.suggestions.flatMap((s) => s.candidates.map((c) => c.target))).not.toContain('lastmodifieddate');
    expect(r.unmatchedTargets).toEqual([]);
    expect(SuggestResultSchema.parse(r)).toEqual(r);
    const targets = r.suggestions.map((s) => s.target).filter(Boolean);
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('uses sample values: the email column goes to email even under an uninformative name', () => {
    const src = schema('x', [
      { name: 'Contact_Info', type: 'string', sample: ['ann@acme.com', 'bob@x.org', 'c@d.io'] },
    ]);
    const tgt = schema('y', [
      { name: 'contact_phone', label: 'Contact phone', type: 'string', format: 'phone' },
      { name: 'contact_email', label: 'Contact email', type: 'string', format: 'email' },
    ]);
    const s = suggestMappings(src, tgt).suggestions[0]!;
    expect(s.target).toBe('contact_email');
    expect(s.reasons.join(' ')).toMatch(/sample values look like email/);
    expect(s.candidates[1]!.confidence).toBeLessThan(s.confidence);
  });

  it('takes samples from example records too, and lets picklist overlap decide', () => {
    const src = schema('x', [{ name: 'Status', type: 'string' }]);
    const tgt = schema('y', [
      { name: 'lead_status', label: 'Lead status', type: 'enum' },
      { name: 'legacy_status', label: 'Legacy status', type: 'string' },
    ]);
    const samples = {
      source: [{ Status: 'Active' }, { Status: 'On Hold' }],
      target: [
        { lead_status: 'NEW', legacy_status: 'Active' },
        { lead_status: 'OPEN', legacy_status: 'Inactive' },
      ],
    };
    expect(suggestMappings(src, tgt).suggestions[0]!.target).toBe('lead_status');
    expect(suggestMappings(src, tgt, samples).suggestions[0]!.target).toBe('legacy_status');
  });

  it('explains when the one-to-one assignment gave a field its second choice', () => {
    const src = schema('x', [
      { name: 'Phone', type: 'string' },
      { name: 'MobilePhone', type: 'string' },
    ]);
    const tgt = schema('y', [{ name: 'phone', type: 'string' }]);
    const r = suggestMappings(src, tgt);
    expect(r.suggestions.map((s) => s.target)).toEqual(['phone', null]);
    expect(r.suggestions[1]!.reasons[0]).toMatch(/went to fields that fit them better/);
    expect(r.suggestions[1]!.candidates[0]).toMatchObject({ target: 'phone', assignedTo: 'Phone' });
  });

  it('accepts extra synonyms and validates options', () => {
    const src = schema('x', [{ name: 'KdNr', type: 'string' }]);
    const tgt = schema('y', [{ name: 'customer_number', type: 'string' }]);
    expect(suggestMappings(src, tgt).suggestions[0]!.target).toBeNull();
    expect(
      suggestMappings(src, tgt, undefined, { synonyms: { customer_no: ['kd nr', 'customer number'] } }).suggestions[0]!
        .target,
    ).toBe('customer_number');
    expect(() => suggestMappings(src, tgt, undefined, { threshold: 120 })).toThrow();
    // Any CRM's type name is taken (test/mapping/field-types.test.ts); a field without one is not.
    expect(
      SuggestInputSchema.safeParse({ source: src, target: { ...tgt, fields: [{ name: 'a', type: 'text' }] } }).success,
    ).toBe(true);
    expect(
      SuggestInputSchema.safeParse({ source: src, target: { ...tgt, fields: [{ name: 'a', type: '' }] } }).success,
    ).toBe(false);
  });

  it('handles empty target schemas', () => {
    const r = suggestMappings(schema('x', [{ name: 'a', type: 'string' }]), {
      object: 'y',
      idField: 'id',
      fields: [{ name: 'id', type: 'string' }],
    });
    expect(r.suggestions[0]).toMatchObject({ target: null, confidence: 0 });
  });
});

describe('labeled schema pairs', () => {
  const pairs = loadLabeledPairs();

  it('are valid and cover the required systems, with two pairs held out', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(12);
    expect(pairs.filter((p) => p.heldOut).map((p) => p.id)).toEqual([
      'dynamics-opportunity-to-hubspot-deals',
      'salesforce-opportunity-to-pipedrive-deal',
    ]);
    const systems = new Set(pairs.map((p) => `${p.source.system}->${p.target.system}`));
    for (const s of [
      'sage-export->hubspot',
      'salesforce->pipedrive',
      'hubspot->salesforce',
      'salesforce->hubspot',
      'dynamics->salesforce',
      'hubspot->dynamics',
      'dynamics->hubspot',
    ])
      expect(systems).toContain(s);
  });

  const top1 = (pair: LabeledPair) => {
    const suggestions = suggestMappings(pair.source, pair.target).suggestions;
    const right = suggestions.filter((s) => {
      const exp = expectedTargets(pair, s.source);
      return exp.length === 0 ? s.target === null : s.target !== null && exp.includes(s.target);
    });
    return { right: right.length, total: suggestions.length };
  };

  it('keeps top-1 accuracy at or above 90% on the tuning pairs', () => {
    const scores = pairs.filter((p) => !p.heldOut).map(top1);
    expect(scores.reduce((a, s) => a + s.right, 0) / scores.reduce((a, s) => a + s.total, 0)).toBeGreaterThanOrEqual(
      0.9,
    );
  });

  // Held-out pairs were scored once, after tuning on the others, and not tuned on since: these floors are what they
  // scored then (Dynamics opportunity -> HubSpot deals: 20 of 25; its misses are two close dates and two stage
  // fields one-to-one pairs the other way round, and a currency lookup).
  it.each([
    ['salesforce-opportunity-to-pipedrive-deal', 26],
    ['dynamics-opportunity-to-hubspot-deals', 20],
  ])('keeps the held-out pair %s at %i right or better', (id, floor) => {
    expect(top1(pairs.find((p) => p.id === id)!).right).toBeGreaterThanOrEqual(floor);
  });
});
