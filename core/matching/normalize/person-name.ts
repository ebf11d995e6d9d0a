import { DEFAULT_NICKNAMES, type NicknameIndex } from './nicknames';
import { foldText, isPlaceholder, tokens } from './text';

const TITLES = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'sir',
  'dame',
  'rev',
  'fr',
  'lord',
  'lady',
  'madam',
  'mme',
  'mlle',
  'herr',
  'frau',
]);
const SUFFIXES = new Set([
  'jr',
  'jnr',
  'sr',
  'snr',
  'ii',
  'iii',
  'iv',
  'phd',
  'md',
  'esq',
  'mba',
  'cpa',
  'dds',
  'obe',
  'mbe',
]);

/** "Dr. José O'Brien Jr." -> "jose obrien": titles and generational suffixes say nothing about who someone is. */
export function normalisePersonName(raw: string): string | null {
  const parts = tokens(foldText(raw));
  const kept = parts.filter((t, i) => !(TITLES.has(t) && i < parts.length - 1) && !(SUFFIXES.has(t) && i > 0));
  const name = kept.join(' ');
  return name === '' || isPlaceholder(name) ? null : name;
}

/** The formal names a given name can stand for: Bill -> [william], Al -> [alan, albert, alexander, alfred]. */
export function formalNames(name: string, index: NicknameIndex = DEFAULT_NICKNAMES): readonly string[] {
  const first = name.split(' ', 1)[0] ?? '';
  return index.get(first) ?? [first];
}

export function shareFormalName(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) if (b.includes(x)) return true;
  return false;
}
