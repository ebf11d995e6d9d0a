import { distance } from 'fastest-levenshtein';
import { EXTRA_WORDS } from './lexicon';
import { ABBREVIATIONS, RELATED, SYNONYMS, SYSTEM_WORDS, WEAK_WORDS } from './vocabulary';

/** One unit of meaning in a field name: a concept from the vocabulary, or a plain word. */
export interface Term {
  /** Concept id (`zip`) or the word itself. */
  id: string;
  /** The words of the name it stands for, for reasons (`postal code`). */
  text: string;
  concept: boolean;
  weight: number;
}

export interface Vocabulary {
  /** Phrase (space-separated words) -> concept. */
  phrases: Map<string, string>;
  longestPhrase: number;
  related: Map<string, number>;
  lexicon: Set<string>;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Builds the lookup tables; `extra` adds a user's own synonym groups (concept -> phrases) on top of the defaults. */
export function buildVocabulary(extra: Record<string, readonly string[]> = {}): Vocabulary {
  const phrases = new Map<string, string>();
  const lexicon = new Set<string>(EXTRA_WORDS);
  let longestPhrase = 1;
  const groups: Array<[string, readonly string[]]> = [...Object.entries(SYNONYMS), ...Object.entries(extra)];
  for (const [concept, list] of groups) {
    for (const phrase of [concept.replace(/_/g, ' '), ...list]) {
      const words = phrase.toLowerCase().split(/\s+/).filter(Boolean).map(singular);
      phrases.set(words.join(' '), concept);
      longestPhrase = Math.max(longestPhrase, words.length);
      for (const w of words) lexicon.add(w);
    }
  }
  for (const w of Object.values(ABBREVIATIONS)) lexicon.add(w);
  for (const w of [...lexicon]) lexicon.add(`${w}s`);
  const related = new Map(RELATED.map(([a, b, w]) => [pairKey(a, b), w]));
  return { phrases, longestPhrase, related, lexicon };
}

/** `employees` -> `employee`, `companies` -> `company`; leaves `status`, `address`, `is` alone. */
export function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is|ys)$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * Strips what is not part of the meaning: Salesforce `__c` suffixes and `ns__` namespaces, the prefixes of Dynamics
 * 365's default publishers on custom columns (`new_`, `cr1a2_`; logical names are all lower case, and a column of another
 * publisher is still matched by its label), and table prefixes of legacy exports (`Comp_`, `Pers_`, `CmLi_Comm_`).
 */
export function stripAffixes(name: string): string {
  let n = name.trim().replace(/__(c|pc|r|s|x)$/i, '');
  n = n.replace(/^[a-z0-9]+__(?=\w)/i, '');
  if (n === n.toLowerCase()) n = n.replace(/^(new|cr[a-z0-9]{3})_(?=[a-z])/, '');
  for (;;) {
    const next = n.replace(/^[A-Z][A-Za-z]{1,3}_(?=[A-Za-z])/, '');
    if (next === n) break;
    n = next;
  }
  return n;
}

/** Splits camelCase, PascalCase, snake_case, kebab-case, digits and punctuation into lower-case words. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** `numberofemployees` -> number of employees, using the vocabulary's words (fewest words wins); null if it cannot. */
export function segment(word: string, lexicon: ReadonlySet<string>): string[] | null {
  const n = word.length;
  const best: Array<string[] | null> = new Array(n + 1).fill(null);
  best[0] = [];
  for (let i = 1; i <= n; i++) {
    for (let j = Math.max(0, i - 20); j <= i - 2; j++) {
      const prev = best[j];
      const piece = word.slice(j, i);
      if (prev && lexicon.has(piece) && (!best[i] || prev.length + 1 < best[i]!.length)) best[i] = [...prev, piece];
    }
  }
  return best[n] ?? null;
}

/**
 * Dynamics 365 keeps each of a record's addresses as columns `address1_city` (label "Address 1: City"): the number
 * says which address, not what the column holds, so only the part is kept (`city`); street lines stay street lines
 * (`address1_line2` -> address line 2). Which address is which is left to the fields' order, as for billing/shipping.
 */
export function addressPart(text: string): string {
  const m = /^address[ _]?([1-9])(?:\s*:\s*|_|\s+)(.+)$/i.exec(text.trim());
  if (!m) return text;
  const line = /^(?:line|street)[ _]?([1-9])$/i.exec(m[2]!.trim());
  return line ? `address line ${line[1]}` : m[2]!;
}

/** The words of a field name or label, normalised: abbreviations expanded, run-together words split, plurals folded. */
export function words(text: string, vocab: Vocabulary, isName: boolean): string[] {
  const out: string[] = [];
  for (let w of splitWords(addressPart(isName ? stripAffixes(text) : text))) {
    w = ABBREVIATIONS[w] ?? w;
    if (SYSTEM_WORDS.has(w)) continue;
    if (!vocab.lexicon.has(w) && w.length >= 6 && /^[a-z]+$/.test(w)) {
      const parts = segment(w, vocab.lexicon);
      if (parts && parts.length > 1) {
        out.push(...parts.map(singular));
        continue;
      }
    }
    out.push(singular(w));
  }
  return out;
}

/** Replaces runs of words by the vocabulary's concepts, longest phrase first. */
export function terms(text: string, vocab: Vocabulary, isName: boolean): Term[] {
  const ws = words(text, vocab, isName);
  const out: Term[] = [];
  let i = 0;
  while (i < ws.length) {
    let matched = false;
    for (let len = Math.min(vocab.longestPhrase, ws.length - i); len >= 1; len--) {
      const phrase = ws.slice(i, i + len).join(' ');
      const concept = vocab.phrases.get(phrase);
      if (concept) {
        out.push({ id: concept, text: phrase, concept: true, weight: WEAK_WORDS[concept] ?? 1 });
        i += len;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const w = ws[i]!;
    out.push({ id: w, text: w, concept: false, weight: WEAK_WORDS[w] ?? 1 });
    i++;
  }
  return out.filter((t) => t.weight > 0);
}

/** How alike two terms are (0-1): the same concept, related concepts, or near-identical spelling. */
export function termSimilarity(a: Term, b: Term, vocab: Vocabulary): number {
  if (a.id === b.id) return 1;
  const related = vocab.related.get(pairKey(a.id, b.id));
  if (related !== undefined) return related;
  if (!a.concept && !b.concept && a.id.length >= 4 && b.id.length >= 4 && !/\d/.test(a.id + b.id)) {
    const ratio = 1 - distance(a.id, b.id) / Math.max(a.id.length, b.id.length);
    if (ratio >= 0.8) return ratio * 0.9;
  }
  return 0;
}

export interface TermMatch {
  score: number;
  /** Pairs that matched, for reasons. */
  pairs: Array<{ a: Term; b: Term; similarity: number }>;
}

/** Weighted soft Dice coefficient of two term lists: every term looks for its best partner on the other side. */
export function compareTerms(a: readonly Term[], b: readonly Term[], vocab: Vocabulary): TermMatch {
  const wa = a.reduce((s, t) => s + t.weight, 0);
  const wb = b.reduce((s, t) => s + t.weight, 0);
  if (wa === 0 || wb === 0) return { score: 0, pairs: [] };
  const sims = a.map((x) => b.map((y) => termSimilarity(x, y, vocab)));
  let total = 0;
  const pairs: TermMatch['pairs'] = [];
  a.forEach((x, i) => {
    const row = sims[i]!;
    const best = Math.max(0, ...row);
    total += x.weight * best;
    if (best > 0) pairs.push({ a: x, b: b[row.indexOf(best)]!, similarity: best });
  });
  b.forEach((y, j) => {
    total += y.weight * Math.max(0, ...sims.map((row) => row[j]!));
  });
  return { score: total / (wa + wb), pairs };
}
