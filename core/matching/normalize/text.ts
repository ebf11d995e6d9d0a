/**
 * Text folding shared by every normaliser: the same name typed on a French keyboard, in capitals, or with stray
 * punctuation must produce the same tokens.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;
/** Letters that NFKD does not decompose into a base letter plus an accent. */
const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};
const SPECIAL_RE = /[ßæœøłđðþı]/g;

/** Lower case, no accents, no punctuation (apostrophes vanish so O'Brien = OBrien), single spaces. */
export function foldText(value: string): string {
  let v = value.toLowerCase();
  // Pure-ASCII input is the common case; skip the Unicode work for it.
  if (/[^\x00-\x7f]/.test(v))
    v = v
      .normalize('NFKD')
      .replace(COMBINING_MARKS, '')
      .replace(SPECIAL_RE, (c) => SPECIAL_LETTERS[c] ?? c);
  return v
    .replace(/['’`´]/g, '')
    .replace(/[^a-z0-9\u0080-\uffff]+/g, ' ')
    .trim();
}

export function tokens(folded: string): string[] {
  return folded === '' ? [] : folded.split(' ');
}

/** Blank, whitespace-only and placeholder values all mean "unknown", which must never count as agreement. */
const PLACEHOLDERS = new Set([
  '',
  'na',
  'n a',
  'none',
  'null',
  'nil',
  'unknown',
  'tbd',
  'tba',
  'not available',
  'not applicable',
  'x',
  'xx',
  'xxx',
  '0',
  '-',
]);

export function isPlaceholder(folded: string): boolean {
  return PLACEHOLDERS.has(folded);
}
