import { describe, expect, it } from 'vitest';
import { parseDate, parseDateTime } from '../../core/mapping/dates';
import { parseMappingConfig } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { parseTemplate } from '../../core/mapping/template';
import { applyChain, compileTransform, normaliseDomain, parseNumber } from '../../core/mapping/transforms';

const run = (spec: Parameters<typeof compileTransform>[0], value: string, defaults = {}) =>
  compileTransform(spec, defaults).apply(value);

describe('transforms', () => {
  it('collapses whitespace and blanks empty strings', () => {
    expect(run('trim', '  Acme \t  Ltd ')).toEqual({ ok: true, value: 'Acme Ltd' });
    expect(run('trim', '   ')).toEqual({ ok: true, value: null });
  });

  it('lower-cases and validates emails', () => {
    expect(run('email', ' Bill.Smith@ACME.com ')).toEqual({ ok: true, value: 'bill.smith@acme.com' });
    expect(run('email', 'mailto:x@y.org')).toEqual({ ok: true, value: 'x@y.org' });
    expect(run('email', 'not-an-email')).toEqual({ ok: false, reason: 'not an email address: "not-an-email"' });
  });

  it('formats phones as E.164 with a default country', () => {
    for (const v of ['020 7946 0123', '(020) 7946-0123', '+44 20 7946 0123', '0044 20 7946 0123']) {
      expect(run('phone', v, { phoneCountry: 'GB' })).toEqual({ ok: true, value: '+442079460123' });
    }
    expect(run({ type: 'phone', defaultCountry: 'US' }, '(415) 555-2671')).toEqual({ ok: true, value: '+14155552671' });
    expect(run('phone', '020 7946 0123 ext. 12', { phoneCountry: 'GB' })).toEqual({
      ok: true,
      value: '+442079460123;ext=12',
    });
    expect(run('phone', 'n/a', { phoneCountry: 'GB' })).toEqual({
      ok: false,
      reason: 'not a phone number (default country GB): "n/a"',
    });
  });

  it('vouches for a spaced international phone only when parsing it gives the E.164 value', () => {
    const phone = compileTransform('phone', { phoneCountry: 'GB' });
    const pairs: [string, string][] = [
      ['+44 20 7946 0123', '020 7946 0123'],
      ['+44-117-496-0111', '0117 496 0111'],
      ['+33 4 78 79 44 90', '+33 (0)4 78 79 44 90'],
      ['+49 30 901820', '+49 (0)30 901820'],
      ['+1 415.555.2671', '+1 (415) 555-2671'],
      ['+353 1 234 5678', '+353 (0)1 234 5678'],
      ['+44 7700 900123', '07700 900123'],
    ];
    for (const [target, legacyRaw] of pairs) {
      const canonical = phone.apply(legacyRaw);
      expect(canonical.ok).toBe(true);
      const value = (canonical as { value: string }).value;
      expect(phone.yields!(target, value)).toBe(true);
      expect(phone.apply(target)).toEqual({ ok: true, value });
    }
    // Anything but "+", digits and spacing is left to the parser, as is an extension or other digits.
    expect(phone.yields!('020 7946 0123', '+442079460123')).toBe(false);
    expect(phone.yields!('+44 (0)20 7946 0123', '+442079460123')).toBe(false);
    expect(phone.yields!('+44 20 7946 0124', '+442079460123')).toBe(false);
    expect(phone.yields!('+44 20 7946 0123', '+442079460123;ext=12')).toBe(false);
    expect(phone.yields!(' +44 20 7946 0123', '+442079460123')).toBe(false);
  });

  it('vouches for a target value written as the canonical value only where that value parses to itself', () => {
    const samples: [Parameters<typeof compileTransform>[0], object, string[]][] = [
      ['trim', {}, ['  Acme \t Ltd ', 'Müller\u00a0GmbH', 'e\u0301cole  x', 'A\n\nB']],
      ['email', {}, [' Bill@ACME.com', 'mailto:mailto:x@y.org', 'ÉLÈVE@ÉCOLE.FR', 'x@y.org']],
      ['number', {}, ['1,200.50', '1e21', '0.1', '(300)', '£1,000']],
      [{ type: 'number', decimal: ',' }, {}, ['1.200,50', '1200', '3,5']],
      ['integer', {}, ['1,200', '42']],
      ['date', { dateOrder: 'DMY' }, ['30/04/2004', '2004-4-3', '14 Mar 2019']],
      ['datetime', { dateOrder: 'DMY' }, ['08/12/2010 14:23', '2010-12-08T14:23:05.123+01:00']],
      [
        'domain',
        {},
        ['www.www.acme.com', 'https://www.acme.co.uk/about', 'info@acme.de', 'müller.de', 'WWW2.Acme.com'],
      ],
    ];
    let vouched = 0;
    for (const [spec, defaults, raws] of samples) {
      const t = compileTransform(spec, defaults);
      for (const raw of raws) {
        const first = t.apply(raw.normalize('NFC'));
        if (!first.ok || first.value === null) continue;
        const canonical = String(first.value);
        if (!t.yields!(canonical, canonical)) continue;
        vouched++;
        expect(applyChain([t], canonical)).toEqual({ ok: true, value: canonical });
      }
    }
    expect(vouched).toBeGreaterThan(20);
    expect(compileTransform('domain').yields!('www.acme.com', 'www.acme.com')).toBe(false);
    expect(compileTransform('email').yields!('mailto:x@y.org', 'mailto:x@y.org')).toBe(false);
    expect(compileTransform({ type: 'number', decimal: ',' }).yields!('1200.5', '1200.5')).toBe(false);
    expect(compileTransform('trim').yields!(' Acme', 'Acme')).toBe(false);
  });

  it('compares a target value through the mapping exactly as normalising it would', () => {
    const mapper = new ObjectMapper(
      parseMappingConfig({
        version: 1,
        defaults: { phoneCountry: 'GB' },
        objects: {
          companies: {
            legacy: { file: 'Company', idColumn: 'Id' },
            target: { table: 'companies', legacyIdColumn: 'legacy_id' },
            properties: [
              { from: 'Name', to: 'name', transform: ['trim'] },
              { from: 'Phone', to: 'phone', transform: ['phone'] },
            ],
          },
        },
      }).config,
      'companies',
    );
    for (const [target, legacy] of [
      ['+44 20 7946 0123', '+442079460123'],
      ['020 7946 0123', '+442079460123'],
      ['+44 20 7946 0999', '+442079460123'],
      ['n/a', '+442079460123'],
      [null, '+442079460123'],
      ['+44 20 7946 0123', null],
    ] as const) {
      expect(mapper.canonicalTarget('phone', target, legacy)).toBe(mapper.normaliseTarget('phone', target));
    }
    expect(mapper.canonicalTarget('name', '  Acme  Ltd', 'Acme Ltd')).toBe('Acme Ltd');
  });

  it('parses numbers with thousands separators, currency and either decimal mark', () => {
    expect(parseNumber('1,200,000', '.')).toBe(1200000);
    expect(parseNumber('£1,200.50', '.')).toBe(1200.5);
    expect(parseNumber('1.200,50', ',')).toBe(1200.5);
    expect(parseNumber('(300)', '.')).toBe(-300);
    expect(parseNumber('approx 50', '.')).toBeNull();
    expect(run('integer', '12.5')).toEqual({ ok: false, reason: 'not a whole number: "12.5"' });
    expect(run('number', '1200000.00')).toEqual({ ok: true, value: '1200000' });
  });

  it('reads dates in the configured order and rejects impossible ones', () => {
    expect(parseDate('14/03/2019', 'DMY')).toBe('2019-03-14');
    expect(parseDate('03/14/2019', 'MDY')).toBe('2019-03-14');
    expect(parseDate('2019-03-14 10:22:00', 'MDY')).toBe('2019-03-14');
    expect(parseDate('14-Mar-2019', 'DMY')).toBe('2019-03-14');
    expect(parseDate('March 14, 2019')).toBe('2019-03-14');
    expect(parseDate('31/02/2019', 'DMY')).toBeNull();
    expect(parseDate('29/02/2020', 'DMY')).toBe('2020-02-29');
    expect(parseDate('14/03/19', 'DMY')).toBe('2019-03-14');
    expect(parseDateTime('14/03/2019 10:22', 'DMY')).toBe('2019-03-14T10:22:00.000Z');
    expect(parseDateTime('2019-03-14 10:22:00+00')).toBe('2019-03-14T10:22:00.000Z');
    expect(parseDateTime('2019-03-14T10:22:00+01:30')).toBe('2019-03-14T08:52:00.000Z');
    expect(parseDateTime('2019-03-14 2:05 pm')).toBe('2019-03-14T14:05:00.000Z');
  });

  it('extracts domains from URLs and emails', () => {
    expect(normaliseDomain('https://www.Acme.co.uk/about?x=1')).toBe('acme.co.uk');
    expect(normaliseDomain('sales@acme.de')).toBe('acme.de');
    expect(normaliseDomain('acme')).toBeNull();
    expect(run('url', 'www.acme.com/')).toEqual({ ok: true, value: 'https://www.acme.com' });
  });

  it('treats the same text, domain or site written differently as equal', () => {
    expect(applyChain([compileTransform('trim')], 'Cafe\u0301 Rouge')).toEqual({ ok: true, value: 'Caf\u00e9 Rouge' });
    expect(normaliseDomain('https://www.Müller-GmbH.de/kontakt')).toBe('xn--mller-gmbh-9db.de');
    const url = compileTransform('url');
    expect(url.compareKey!('https://www.acme.co.uk')).toBe(url.compareKey!('http://www.acme.co.uk'));
    expect(url.compareKey!('https://www.acme.co.uk')).not.toBe(url.compareKey!('https://acme.co.uk'));
  });

  it('maps values case-insensitively and reports unknown ones', () => {
    const map = { type: 'map', values: { 'Closed Won': 'closedwon', Lead: 'appointmentscheduled' } } as const;
    expect(run({ ...map, caseInsensitive: true, unknown: 'error' }, ' closed  WON ')).toEqual({
      ok: true,
      value: 'closedwon',
    });
    expect(run({ ...map, caseInsensitive: true, unknown: 'error' }, 'Pending')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no value mapping for "Pending"'),
    });
    expect(run({ ...map, caseInsensitive: true, unknown: 'keep' }, 'Pending')).toEqual({ ok: true, value: 'Pending' });
    expect(run({ ...map, caseInsensitive: true, unknown: 'blank' }, 'Pending')).toEqual({ ok: true, value: null });
  });

  it('chains transforms and skips value maps when normalising a target value', () => {
    const chain = [
      compileTransform('trim'),
      compileTransform({ type: 'map', values: { customer: 'CUSTOMER' }, caseInsensitive: true, unknown: 'error' }),
    ];
    expect(applyChain(chain, ' Customer ')).toEqual({ ok: true, value: 'CUSTOMER' });
    expect(applyChain(chain, ' CUSTOMER ', true)).toEqual({ ok: true, value: 'CUSTOMER' });
    expect(applyChain(chain, null)).toEqual({ ok: true, value: null });
  });
});

describe('templates', () => {
  it('fills placeholders by plain substitution and blanks an all-blank result', () => {
    const t = parseTemplate('{Pers_FirstName} {Pers_LastName} {{x}}');
    expect(t.columns).toEqual(['Pers_FirstName', 'Pers_LastName']);
    expect(t.render({ Pers_FirstName: 'Bill', Pers_LastName: 'Smith' })).toBe('Bill Smith {x}');
    expect(t.render({ Pers_FirstName: 'Bill', Pers_LastName: null })).toBe('Bill {x}');
    expect(parseTemplate('{A} {B}').render({ A: '', B: null })).toBeNull();
    // Nothing is evaluated: a placeholder is a column name, whatever it looks like.
    expect(parseTemplate('{process.exit(1)}').render({ 'process.exit(1)': 'safe' })).toBe('safe');
    expect(() => parseTemplate('{A')).toThrow('unclosed "{" at position 0');
    expect(() => parseTemplate('A}')).toThrow('unmatched "}" at position 1');
    expect(() => parseTemplate('no columns')).toThrow('names no column');
  });

  it('maps a template property through its transforms, and names a bad template in the config', () => {
    const base = {
      version: 1,
      objects: {
        contacts: {
          legacy: { file: 'Person', idColumn: 'id' },
          target: { table: 'contacts', legacyIdColumn: 'legacy_id' },
          properties: [
            { template: '{Addr_Address1}, {Addr_City}', to: 'full_address', transform: ['trim'] },
            { from: 'Pers_FirstName', to: 'firstname' },
          ],
        },
      },
    };
    const mapper = new ObjectMapper(parseMappingConfig(base).config, 'contacts');
    expect(mapper.legacyColumns).toEqual(['id', 'Addr_Address1', 'Addr_City', 'Pers_FirstName']);
    expect(mapper.map({ Addr_Address1: ' 1  High St', Addr_City: 'Leeds', Pers_FirstName: 'Liz' }).values).toEqual({
      full_address: '1 High St, Leeds',
      firstname: 'Liz',
    });
    const bad = JSON.parse(JSON.stringify(base));
    bad.objects.contacts.properties[0].template = '{Addr_Address1';
    bad.objects.contacts.properties[1].template = '{x}';
    expect(() => parseMappingConfig(bad)).toThrow(/objects\.contacts\.properties\[0\]\.template: unclosed "\{"/);
    expect(() => parseMappingConfig(bad)).toThrow(
      /objects\.contacts\.properties\[1\]: give one of "from" \(one column\), "template" \(several\) or "value"/,
    );
  });
});
