import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { RecordValues } from '../../core/conflicts';
import {
  replayQuarantine,
  validateRecords,
  ValidationConfigSchema,
  ValidationResultSchema,
  type ValidationConfigInput,
} from '../../core/conflicts/quality';

const config: ValidationConfigInput = {
  defaults: { phoneCountry: 'GB', dateOrder: 'DMY' },
  objects: {
    contacts: {
      idField: 'id',
      fields: {
        lastname: { required: true, maxLength: 20 },
        email: { format: 'email' },
        phone: { format: 'phone' },
        website: { format: 'url' },
        birthdate: { format: 'date' },
        status: { enum: ['New', 'Open', 'Closed'] },
        vat: { pattern: 'GB\\d{9}', patternName: 'a UK VAT number', caseInsensitive: false },
        country: { minLength: 2 },
        score: { min: 0, max: 100 },
        emails: { format: 'email', separator: ';' },
      },
    },
  },
};

describe('validateRecords', () => {
  it('passes good records through unchanged and in order', () => {
    const good: RecordValues[] = [
      {
        id: '1',
        lastname: 'Davies',
        email: 'd@x.co.uk',
        phone: '020 7946 0123',
        website: 'www.acme.com',
        birthdate: '14/03/1980',
        status: 'open',
        vat: 'GB123456789',
        country: 'UK',
        score: 50,
        emails: 'a@x.com; b@y.org',
      },
      { id: '2', lastname: 'Wood', email: null, phone: '' },
    ];
    const r = validateRecords(good, config, 'contacts');
    expect(r.valid).toEqual(good);
    expect(r.counts).toEqual({ total: 2, valid: 2, quarantined: 0, issues: 0, byField: {}, byRule: {} });
  });

  it('quarantines records with every reason, naming the record and the field, and counts them', () => {
    const r = validateRecords(
      [
        {
          id: '7',
          lastname: '',
          email: 'not-an-email',
          phone: 'n/a',
          birthdate: '31/02/2019',
          status: 'Pending',
          vat: 'gb123',
          country: 'U',
          score: '250',
          emails: 'a@x.com;oops',
        },
        { lastname: 'Averyveryverylongsurname' },
        { id: '9', lastname: 'Ok', website: 'not a site', score: 'high' },
      ],
      config,
      'contacts',
    );
    expect(r.counts).toMatchObject({ total: 3, valid: 0, quarantined: 3, issues: 13 });
    expect(r.counts.byRule).toEqual({
      required: 1,
      format: 5,
      enum: 1,
      pattern: 1,
      minLength: 1,
      max: 1,
      id: 1,
      maxLength: 1,
      min: 1,
    });
    const first = r.quarantined[0]!;
    expect(first.recordId).toBe('7');
    expect(first.issues.map((i) => i.message)).toEqual([
      'record 7, field "lastname": required but blank',
      'record 7, field "email": not an email address: "not-an-email"',
      'record 7, field "phone": not a phone number (default country GB): "n/a"',
      'record 7, field "birthdate": not a date (DMY order): "31/02/2019"',
      'record 7, field "status": "Pending" is not one of New, Open, Closed',
      'record 7, field "vat": "gb123" is not a UK VAT number',
      'record 7, field "country": 1 characters, at least 2 needed',
      'record 7, field "score": 250 is above the maximum 100',
      'record 7, field "emails": not an email address: "oops"',
    ]);
    expect(r.quarantined[1]!.issues.map((i) => i.message)).toEqual([
      'record #2: no id',
      'record #2, field "lastname": 24 characters, at most 20 allowed',
    ]);
    expect(r.quarantined[2]!.issues.map((i) => i.rule)).toEqual(['format', 'min']);
    expect(ValidationResultSchema.parse(r)).toEqual(r);
  });

  it('rejects bad configs and unknown objects', () => {
    expect(() => validateRecords([], { objects: { x: { fields: { a: { pattern: '([' } } } } }, 'x')).toThrow(ZodError);
    expect(() =>
      validateRecords([], { objects: { x: { fields: { a: { minLength: 5, maxLength: 2 } } } } }, 'x'),
    ).toThrow(/minLength is greater than maxLength/);
    expect(() => validateRecords([], { objects: { x: { fields: { a: { format: 'zip' } } } } } as never, 'x')).toThrow(
      ZodError,
    );
    expect(() => validateRecords([], config, 'deals')).toThrow(
      /no validation rules for object "deals" \(configured: contacts\)/,
    );
    expect(ValidationConfigSchema.parse({ objects: {} })).toEqual({ version: 1, defaults: {}, objects: {} });
  });
});

describe('replayQuarantine', () => {
  it('releases fixed records and keeps the rest with their current issues', () => {
    const first = validateRecords(
      [
        { id: '1', lastname: 'A', email: 'bad' },
        { id: '2', lastname: '', email: 'b@x.com' },
        { lastname: 'C', email: 'also bad' },
      ],
      config,
      'contacts',
    );
    expect(first.counts.quarantined).toBe(3);
    const edited = first.quarantined.map((q) =>
      q.recordId === '1' ? { ...q, record: { ...q.record, email: 'a@x.com' } } : q,
    );
    const replay = replayQuarantine(edited, config, 'contacts', { '#2': { id: '3', email: 'c@x.com' } });
    expect(replay.valid).toEqual([
      { id: '1', lastname: 'A', email: 'a@x.com' },
      { id: '3', lastname: 'C', email: 'c@x.com' },
    ]);
    expect(replay.quarantined).toHaveLength(1);
    expect(replay.quarantined[0]).toMatchObject({ recordId: '2', index: 1 });
    expect(replay.counts).toMatchObject({ total: 3, valid: 2, quarantined: 1, byRule: { required: 1 } });
    const again = replayQuarantine(replay.quarantined, config, 'contacts', { '2': { lastname: 'B' } });
    expect(again.counts).toMatchObject({ valid: 1, quarantined: 0 });
  });
});
