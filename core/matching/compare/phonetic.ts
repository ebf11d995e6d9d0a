/**
 * American Soundex (the US census rules): names that sound alike share a code, Robert = Rupert = R163.
 * Used as a blocking key, never as evidence on its own. The npm double-metaphone package is ESM-only, which this
 * CommonJS build cannot import, and Soundex is small enough to test exhaustively against published examples.
 */
const CODES: Record<string, string> = {
  b: '1',
  f: '1',
  p: '1',
  v: '1',
  c: '2',
  g: '2',
  j: '2',
  k: '2',
  q: '2',
  s: '2',
  x: '2',
  z: '2',
  d: '3',
  t: '3',
  l: '4',
  m: '5',
  n: '5',
  r: '6',
};

export function soundex(name: string): string {
  return soundexCode(name, 4);
}

/**
 * Soundex without the cut at four characters: for blocking in large sets, where "harrington" and "harrison"
 * (both H652 in classic Soundex) should not share a block.
 */
export function longSoundex(name: string): string {
  return soundexCode(name, 12);
}

function soundexCode(name: string, length: number): string {
  const s = name.toLowerCase().replace(/[^a-z]/g, '');
  if (s === '') return '';
  let out = s[0]!.toUpperCase();
  let last = CODES[s[0]!] ?? '';
  for (let i = 1; i < s.length && out.length < length; i++) {
    const ch = s[i]!;
    const code = CODES[ch];
    if (code === undefined) {
      // h and w do not separate letters with the same code; vowels do.
      if (ch !== 'h' && ch !== 'w') last = '';
      continue;
    }
    if (code !== last) out += code;
    last = code;
  }
  return out.padEnd(4, '0');
}
