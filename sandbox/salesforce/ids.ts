/** Salesforce-style record IDs: a 3-character key prefix, a 12-character number, and the 3-character case checksum. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 18-character form of a 15-character ID (the suffix encodes which letters are upper case). */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += ALPHABET.charAt(bits);
  }
  return id15 + suffix;
}

export function makeId(prefix: string, n: number): string {
  let body = '';
  let rest = n;
  for (let i = 0; i < 12; i++) {
    body = BASE62.charAt(rest % 62) + body;
    rest = Math.floor(rest / 62);
  }
  return to18(prefix + body);
}
