import { describe, expect, it } from 'vitest';
import {
  formalNames,
  NICKNAME_PAIR_COUNT,
  normaliseAddress,
  normaliseCompanyName,
  normaliseDate,
  normaliseEmail,
  normalisePersonName,
  normalisePostcode,
  organisationDomain,
  PhoneNormaliser,
  shareFormalName,
} from '../../core/matching/normalize';

describe('person names', () => {
  it('folds case, accents, punctuation, titles and suffixes', () => {
    expect(normalisePersonName("  Dr. José  O'Brien Jr. ")).toBe('jose obrien');
    expect(normalisePersonName('MÜLLER-Lüdenscheidt')).toBe('muller ludenscheidt');
    expect(normalisePersonName('Łukasz Øster')).toBe('lukasz oster');
    expect(normalisePersonName('n/a')).toBeNull();
    expect(normalisePersonName('   ')).toBeNull();
  });

  it('knows a few hundred short forms and what they stand for', () => {
    expect(NICKNAME_PAIR_COUNT).toBeGreaterThanOrEqual(300);
    expect(formalNames('bill')).toEqual(['william']);
    expect(formalNames('peggy')).toEqual(['margaret']);
    expect(formalNames('liz')).toEqual(['elizabeth']);
    expect(formalNames('bob')).toEqual(['robert']);
    expect(formalNames('al')).toEqual(['alan', 'albert', 'alexander', 'alfred']);
    expect(formalNames('zebedee')).toEqual(['zebedee']);
    expect(shareFormalName(formalNames('bill'), formalNames('william'))).toBe(true);
    expect(shareFormalName(formalNames('bill'), formalNames('robert'))).toBe(false);
  });
});

describe('company names', () => {
  it.each([
    ['ACME Inc.', 'acme'],
    ['Acme Incorporated', 'acme'],
    ['The Acme Company, LLC', 'acme'],
    ['Acme L.L.C.', 'acme'],
    ['Smith & Sons Ltd', 'smith and sons'],
    ['Smith and Sons Limited', 'smith and sons'],
    ['Müller GmbH', 'muller'],
    ['Société Générale SA', 'societe generale'],
    ['Intl. Widgets Corp', 'international widgets'],
    ['St. Lucy School', 'saint lucy school'],
    ['The Company', 'company'],
  ])('%s -> %s', (raw, expected) => {
    expect(normaliseCompanyName(raw)).toBe(expected);
  });
});

describe('emails, phones, domains', () => {
  it('drops +tags, case, and gmail dots', () => {
    expect(normaliseEmail(' Bill.Smith+crm@GoogleMail.com ')).toBe('billsmith@gmail.com');
    expect(normaliseEmail('bill.smith+x@acme.com')).toBe('bill.smith@acme.com');
    expect(normaliseEmail('mailto:BILL@ACME.COM')).toBe('bill@acme.com');
    expect(normaliseEmail('not an email')).toBeNull();
  });

  it('writes phones in E.164 with the default country', () => {
    const us = new PhoneNormaliser('US');
    expect(us.normalise('(212) 555-2000')).toBe('+12125552000');
    expect(us.normalise('1-212-555-2000')).toBe('+12125552000');
    expect(us.normalise('+1 212 555 2000')).toBe('+12125552000');
    const gb = new PhoneNormaliser('GB');
    expect(gb.normalise('020 7946 0123')).toBe('+442079460123');
    expect(gb.normalise('+44 20 7946 0123')).toBe('+442079460123');
    // A local number without area code keeps its digits, so that it can still agree on the last seven.
    expect(us.normalise('386-5286')).toBe('#3865286');
    expect(us.normalise('n/a')).toBeNull();
  });

  it('reduces web addresses and email domains to the organisation domain', () => {
    expect(organisationDomain('https://www.Acme.com/about')).toBe('acme.com');
    expect(organisationDomain('bill@acme.com')).toBe('acme.com');
    expect(organisationDomain('someone@gmail.com')).toBeNull();
  });
});

describe('addresses, postcodes and dates', () => {
  it('spells street words one way', () => {
    expect(normaliseAddress('12 North Main Street, Apt. 4')).toBe('12 n main st apt 4');
    expect(normaliseAddress('12 N. Main St apt 4')).toBe('12 n main st apt 4');
    expect(normaliseAddress('435 S. La Cienega Blv.')).toBe(normaliseAddress('435 s la cienega boulevard'));
    expect(normaliseAddress('5th Avenue')).toBe(normaliseAddress('Fifth Ave'));
  });

  it('compares postcodes without spaces and ZIP+4 by its ZIP', () => {
    expect(normalisePostcode('sw1a 1aa')).toBe('SW1A1AA');
    expect(normalisePostcode('60302-1234')).toBe('60302');
    expect(normalisePostcode('0000')).toBeNull();
  });

  it('writes dates as YYYYMMDD, keeping a compact typo as typed', () => {
    expect(normaliseDate('1971-06-24')).toBe('19710624');
    expect(normaliseDate('24/06/1971', 'DMY')).toBe('19710624');
    expect(normaliseDate('06/24/1971', 'MDY')).toBe('19710624');
    expect(normaliseDate('19710624')).toBe('19710624');
    expect(normaliseDate('19711324')).toBe('19711324');
    expect(normaliseDate('24 Jun 1971')).toBe('19710624');
    expect(normaliseDate('soon')).toBeNull();
  });
});
