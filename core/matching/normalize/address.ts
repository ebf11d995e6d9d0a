import { foldText, isPlaceholder, tokens } from './text';

/** One spelling per street word, the short one postal services use, so "Street" and "St." agree. */
const STREET_WORDS: Record<string, string> = {
  street: 'st',
  str: 'st',
  road: 'rd',
  avenue: 'ave',
  av: 'ave',
  avn: 'ave',
  boulevard: 'blvd',
  blv: 'blvd',
  boul: 'blvd',
  drive: 'dr',
  drv: 'dr',
  lane: 'ln',
  court: 'ct',
  place: 'pl',
  plaza: 'plz',
  crescent: 'cres',
  cresent: 'cres',
  circuit: 'cct',
  circle: 'cir',
  terrace: 'tce',
  terr: 'tce',
  highway: 'hwy',
  parkway: 'pkwy',
  pky: 'pkwy',
  square: 'sq',
  close: 'cl',
  grove: 'gr',
  gardens: 'gdns',
  mount: 'mt',
  point: 'pt',
  expressway: 'expy',
  freeway: 'fwy',
  center: 'ctr',
  centre: 'ctr',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
  apartment: 'apt',
  suite: 'ste',
  unit: 'unit',
  floor: 'fl',
  building: 'bldg',
  room: 'rm',
  number: 'no',
  po: 'po',
  box: 'box',
  first: '1',
  second: '2',
  third: '3',
  fourth: '4',
  fifth: '5',
  sixth: '6',
  seventh: '7',
  eighth: '8',
  ninth: '9',
  tenth: '10',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
};

/** "12 North Main Street, Apt. 4" -> "12 n main st apt 4"; "5th Avenue" -> "5 ave". */
export function normaliseAddress(raw: string): string | null {
  const parts = tokens(foldText(raw)).map((t) => {
    const ordinal = /^(\d+)(st|nd|rd|th)$/.exec(t);
    if (ordinal) return ordinal[1]!;
    return STREET_WORDS[t] ?? t;
  });
  const address = parts.join(' ');
  return address === '' || isPlaceholder(address) ? null : address;
}

/** The house and unit numbers of an address: two addresses with different numbers are different doors. */
export function addressNumbers(address: string): string {
  return numbersOf(tokens(address));
}

/** addressNumbers of an address already split into its words. */
export function numbersOf(words: readonly string[]): string {
  let out = '';
  for (const w of words) {
    const c = w.charCodeAt(0);
    if (c >= 48 && c <= 57) out = out === '' ? w : `${out} ${w}`;
  }
  return out;
}

/** "sw1a 1aa" -> "SW1A1AA"; "60302-1234" -> "60302" (ZIP+4 extends, it does not change, a ZIP code). */
export function normalisePostcode(raw: string): string | null {
  const v = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (v === '' || /^0+$/.test(v)) return null;
  const zip4 = /^(\d{5})\d{4}$/.exec(v);
  return zip4 ? zip4[1]! : v;
}
