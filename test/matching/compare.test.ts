import { describe, expect, it } from 'vitest';
import { compareDates } from '../../core/matching/compare/dates';
import { soundex } from '../../core/matching/compare/phonetic';
import {
  atMostOneDifferent,
  jaro,
  jaroWinkler,
  jaroWinklerAbove,
  levenshteinSimilarity,
  sortedTokenSetSimilarity,
  tokenSetSimilarity,
  tokenSortSimilarity,
  withinOneEdit,
} from '../../core/matching/compare/string-similarity';
import { distance } from 'fastest-levenshtein';
import { Random } from '../../demo/random';

describe('string similarity', () => {
  it('jaroWinklerAbove is exactly jaroWinkler wherever that reaches the floor, and 0 only below it', () => {
    const rng = new Random(7);
    const word = () => Array.from({ length: rng.int(1, 12) }, () => 'abcdeéfghij.@'[rng.int(0, 12)]).join('');
    for (let n = 0; n < 20_000; n++) {
      const a = word();
      const b = rng.chance(0.5) ? a.slice(0, rng.int(0, a.length)) + word().slice(0, 3) : word();
      const floor = [0.7, 0.8, 0.88, 0.92][n % 4]!;
      const full = jaroWinkler(a, b);
      const fast = jaroWinklerAbove(a, b, floor);
      if (fast === 0) expect(full).toBeLessThan(floor);
      else expect(fast).toBe(full);
    }
  });

  it('withinOneEdit and atMostOneDifferent agree with the full Levenshtein distance', () => {
    const rng = new Random(11);
    const word = () => Array.from({ length: rng.int(0, 9) }, () => 'abc1'[rng.int(0, 3)]).join('');
    const edit = (w: string) => {
      const at = rng.int(0, w.length);
      const c = 'abcd'[rng.int(0, 3)]!;
      return [w.slice(0, at) + c + w.slice(at), w.slice(0, at) + w.slice(at + 1), w.slice(0, at) + c + w.slice(at + 1)][
        rng.int(0, 2)
      ]!;
    };
    let near = 0;
    for (let n = 0; n < 20_000; n++) {
      const a = word();
      const b = rng.chance(0.6) ? edit(rng.chance(0.3) ? edit(a) : a) : word();
      const d = distance(a, b);
      if (d <= 1) near++;
      expect(withinOneEdit(a, b)).toBe(d <= 1);
      if (a.length === b.length) expect(atMostOneDifferent(a, b, a.length)).toBe(d <= 1);
      const n7 = Math.min(a.length, b.length);
      expect(atMostOneDifferent(a, b, n7)).toBe(distance(a.slice(a.length - n7), b.slice(b.length - n7)) <= 1);
    }
    // Both answers occur often enough for the comparison to mean something.
    expect(near).toBeGreaterThan(5_000);
    expect(near).toBeLessThan(15_000);
  });

  it('matches the published Jaro and Jaro-Winkler values', () => {
    expect(jaro('martha', 'marhta')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'abc')).toBe(0);
  });

  it('ignores word order and extra words where asked', () => {
    expect(tokenSortSimilarity('smith john', 'john smith')).toBe(1);
    expect(tokenSetSimilarity('acme', 'acme widgets')).toBe(1);
    expect(tokenSetSimilarity('acme widgets', 'globex widgets')).toBeLessThan(0.8);
    expect(levenshteinSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 6);
  });

  it('gives the same token-set value from pre-sorted words as from text', () => {
    const rng = new Random(7);
    const words = ['acme', 'widgets', 'global', 'and', 'sons', 'north', 'star', 'a'];
    for (let k = 0; k < 500; k++) {
      const a = Array.from({ length: rng.int(1, 4) }, () => rng.pick(words));
      const b = Array.from({ length: rng.int(1, 4) }, () => rng.pick(words));
      expect(sortedTokenSetSimilarity([...a].sort(), [...b].sort())).toBeCloseTo(
        tokenSetSimilarity(a.join(' '), b.join(' ')),
        10,
      );
    }
  });
});

describe('Soundex', () => {
  it.each([
    ['Robert', 'R163'],
    ['Rupert', 'R163'],
    ['Rubin', 'R150'],
    ['Ashcraft', 'A261'],
    ['Ashcroft', 'A261'],
    ['Tymczak', 'T522'],
    ['Pfister', 'P236'],
    ['Honeyman', 'H555'],
    ['Lee', 'L000'],
  ])('%s -> %s', (name, code) => {
    expect(soundex(name)).toBe(code);
  });
});

describe('typo-tolerant dates', () => {
  it('tells typos from different dates', () => {
    expect(compareDates('19710624', '19710624')).toBe('exact');
    expect(compareDates('19710624', '19710625')).toBe('typo');
    expect(compareDates('19710624', '19716024')).toBe('typo');
    expect(compareDates('19710624', '19720725')).toBe('different');
    expect(compareDates('19710612', '19711206')).toBe('typo');
    expect(compareDates('19710624', '17910624')).toBe('typo');
    expect(compareDates('19710624', '19711130')).toBe('same-year');
    expect(compareDates('19741005', '19841003')).toBe('two-digits');
    expect(compareDates('19710624', '19820101')).toBe('different');
  });
});
