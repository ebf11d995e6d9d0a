import { describe, expect, it } from 'vitest';
import { recordIsUnchanged } from '../../../core/connectors/pipedrive/unchanged';

describe('recordIsUnchanged (what Pipedrive answers against what the connector would send)', () => {
  const current = {
    id: 7,
    name: 'Ada',
    org_id: { value: 12, name: 'Acme' },
    value: 1200,
    owner_id: 3,
    emails: [
      { value: 'old@x.test', primary: false, label: 'home' },
      { value: 'ada@x.test', primary: true, label: 'work' },
    ],
    phones: [],
    custom_fields: { a: 'L-1', b: 101, c: [101, 103], d: { value: 250, currency: 'EUR' }, e: null },
  };

  it('treats the richer shapes Pipedrive answers with as the same values', () => {
    expect(
      recordIsUnchanged(
        {
          name: 'Ada',
          org_id: 12,
          value: 1200,
          emails: [{ value: 'ada@x.test', primary: true, label: 'work' }],
          phones: [],
          custom_fields: { a: 'L-1', b: 101, c: [103, 101], d: 250, e: null },
        },
        current,
      ),
    ).toBe(true);
    expect(recordIsUnchanged({ value: '1200.0', owner_id: '3', custom_fields: { e: '' } }, current)).toBe(true);
  });

  it('sees each kind of change', () => {
    expect(recordIsUnchanged({ name: 'Ada L' }, current)).toBe(false);
    expect(recordIsUnchanged({ org_id: 13 }, current)).toBe(false);
    expect(recordIsUnchanged({ emails: [{ value: 'old@x.test', primary: true }] }, current)).toBe(false);
    expect(recordIsUnchanged({ phones: [{ value: '+44 20 7946 0000', primary: true }] }, current)).toBe(false);
    expect(recordIsUnchanged({ custom_fields: { c: [101] } }, current)).toBe(false);
    expect(recordIsUnchanged({ custom_fields: { d: 251 } }, current)).toBe(false);
    expect(recordIsUnchanged({ custom_fields: { e: 'now set' } }, current)).toBe(false);
    // Clearing a value that is set is a change.
    expect(recordIsUnchanged({ name: null }, current)).toBe(false);
  });
});
