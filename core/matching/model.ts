import { Random } from '../example/random';
import type { FieldComparator, Level } from './compare/field-comparators';
import type { FieldKind } from './config';
import type { PreparedField } from './prepare';

/**
 * Fellegi-Sunter: for each field and agreement level, m = P(level | same entity) and u = P(level | different
 * entities). A pair's match weight is log2(prior odds) + Σ log2(m/u); its probability follows from the weight.
 * u is measured on random record pairs (nearly all non-matches); m and the share of matches among candidate pairs
 * are estimated by expectation-maximisation over the candidate pairs, as Splink does, so no labels are needed.
 */
export interface FieldModel {
  readonly name: string;
  readonly levels: readonly Level[];
  m: number[];
  u: number[];
  /** log2(m/u) per level after the ordering guard (a better level never weighs less than a worse one). */
  weights: number[];
}

export interface MatchModel {
  fields: FieldModel[];
  /** Probability that two random records are the same entity (over all pairs, not just candidates). */
  prior: number;
  /** Share of matches among candidate pairs, as EM found it. */
  candidateMatchShare: number;
  emIterations: number;
  converged: boolean;
}

export interface ComparedField {
  readonly prepared: PreparedField;
  readonly comparator: FieldComparator;
}

/** Comparison levels of many pairs, one Int8 per field per pair (-1 = a side is blank). */
export function compareAll(fields: readonly ComparedField[], left: Int32Array, right: Int32Array): Int8Array {
  const f = fields.length;
  const out = new Int8Array(left.length * f);
  for (let k = 0; k < fields.length; k++) {
    const c = fields[k]!.comparator;
    for (let p = 0; p < left.length; p++) out[p * f + k] = c.compare(left[p]!, right[p]!);
  }
  return out;
}

/** Random pairs for estimating u: any two records in dedupe, one from each side in link. */
export function randomPairs(size: number, count: number, seed: number, side?: Uint8Array): { left: Int32Array; right: Int32Array } {
  const rng = new Random(seed);
  const leftIdx: number[] = [];
  const rightIdx: number[] = [];
  if (side) for (let i = 0; i < size; i++) (side[i] === 0 ? leftIdx : rightIdx).push(i);
  const n = Math.min(count, side ? leftIdx.length * rightIdx.length : (size * (size - 1)) / 2);
  const left = new Int32Array(n);
  const right = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    if (side) {
      left[p] = leftIdx[Math.floor(rng.next() * leftIdx.length)]!;
      right[p] = rightIdx[Math.floor(rng.next() * rightIdx.length)]!;
    } else {
      const a = Math.floor(rng.next() * size);
      let b = Math.floor(rng.next() * (size - 1));
      if (b >= a) b++;
      left[p] = a;
      right[p] = b;
    }
  }
  return { left, right };
}

/** Level frequencies with add-one smoothing, so that a level never seen still has a small, finite chance. */
function frequencies(levels: Int8Array, fieldCount: number, k: number, levelCount: number, weights?: Float64Array): number[] {
  const counts = new Array<number>(levelCount).fill(0);
  let total = 0;
  const pairs = levels.length / fieldCount;
  for (let p = 0; p < pairs; p++) {
    const l = levels[p * fieldCount + k]!;
    if (l < 0) continue;
    const w = weights ? weights[p]! : 1;
    counts[l]! += w;
    total += w;
  }
  return counts.map((c) => (c + 0.5) / (total + 0.5 * levelCount));
}

/**
 * How often unrelated records agree exactly by chance, by kind of field, in typical customer data. Used as a prior
 * worth PRIOR_PAIRS random pairs: it decides for a dataset of a few records, and vanishes next to 200,000 samples.
 */
const CHANCE_AGREEMENT: Record<FieldKind, number> = {
  email: 1e-4, phone: 1e-4, identifier: 1e-5, domain: 1e-3, date: 1e-3, postcode: 5e-3, givenName: 5e-3, familyName: 2e-3,
  city: 0.05, region: 0.1, companyName: 1e-3, address: 1e-4, fullName: 1e-4, text: 0.01, number: 0.01,
};
const PRIOR_PAIRS = 1000;
/** Candidate pairs' worth of the default m (see initialM) in each EM step. */
const PRIOR_MATCHES = 20;

export function defaultU(kind: FieldKind, levelCount: number): number[] {
  const chance = CHANCE_AGREEMENT[kind];
  const u = new Array<number>(levelCount).fill(chance);
  u[levelCount - 1] = 1 - chance * (levelCount - 1);
  return u;
}

export function estimateU(fields: readonly ComparedField[], randomLevels: Int8Array): number[][] {
  const pairs = randomLevels.length / Math.max(1, fields.length);
  return fields.map((f, k) => {
    const L = f.comparator.levels.length;
    const observed = frequencies(randomLevels, fields.length, k, L);
    const fallback = defaultU(f.prepared.kind, L);
    return observed.map((o, l) => (o * pairs + fallback[l]! * PRIOR_PAIRS) / (pairs + PRIOR_PAIRS));
  });
}

/** Distinct level patterns and how many candidate pairs show each: EM then runs over patterns, not pairs. */
function patterns(levels: Int8Array, fieldCount: number): { rows: Int8Array; counts: Float64Array } {
  const index = new Map<number | string, number>();
  const rows: number[] = [];
  const counts: number[] = [];
  const pairs = levels.length / fieldCount;
  // Levels fit in 3 bits: up to 17 fields make an exact numeric key, which is far cheaper than a string.
  const numeric = fieldCount <= 17;
  for (let p = 0; p < pairs; p++) {
    const base = p * fieldCount;
    let key: number | string;
    if (numeric) {
      key = 0;
      for (let k = 0; k < fieldCount; k++) key = key * 8 + (levels[base + k]! + 1);
    } else key = levels.subarray(base, base + fieldCount).join(',');
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, counts.length);
      counts.push(1);
      for (let k = 0; k < fieldCount; k++) rows.push(levels[base + k]!);
    } else counts[at]!++;
  }
  return { rows: Int8Array.from(rows), counts: Float64Array.from(counts) };
}

/** Initial m: most matches agree exactly, few disagree outright. */
function initialM(levelCount: number): number[] {
  const m = new Array<number>(levelCount).fill(0);
  m[0] = 0.7;
  m[levelCount - 1] = 0.05;
  const middle = levelCount - 2;
  for (let l = 1; l < levelCount - 1; l++) m[l] = 0.25 / middle;
  if (middle === 0) m[0] = 0.95;
  return m;
}

export function fitModel(fields: readonly ComparedField[], uRandom: number[][], candidateLevels: Int8Array, candidateCount: number, allPairs: number, iterations: number): MatchModel {
  const F = fields.length;
  const { rows, counts } = patterns(candidateLevels, F);
  const P = counts.length;
  let share = 0.1;
  const m = fields.map((f) => initialM(f.comparator.levels.length));
  const m0 = m.map((x) => [...x]);
  // Non-matches among candidates agree more than random pairs (they share a blocking key): fit their own u.
  const uCand = uRandom.map((u) => [...u]);
  const posterior = new Float64Array(P);
  let converged = false;
  let iteration = 0;
  for (; iteration < iterations && candidateCount > 0; iteration++) {
    for (let p = 0; p < P; p++) {
      let pm = share;
      let pu = 1 - share;
      for (let k = 0; k < F; k++) {
        const l = rows[p * F + k]!;
        if (l < 0) continue;
        pm *= m[k]![l]!;
        pu *= uCand[k]![l]!;
      }
      posterior[p] = pm / (pm + pu);
    }
    let matched = 0;
    let total = 0;
    for (let p = 0; p < P; p++) {
      matched += posterior[p]! * counts[p]!;
      total += counts[p]!;
    }
    const nextShare = Math.min(0.999, Math.max(1e-6, matched / total));
    let delta = Math.abs(nextShare - share);
    share = nextShare;
    for (let k = 0; k < F; k++) {
      const L = fields[k]!.comparator.levels.length;
      const mc = new Array<number>(L).fill(0);
      const uc = new Array<number>(L).fill(0);
      for (let p = 0; p < P; p++) {
        const l = rows[p * F + k]!;
        if (l < 0) continue;
        mc[l]! += posterior[p]! * counts[p]!;
        uc[l]! += (1 - posterior[p]!) * counts[p]!;
      }
      const mt = mc.reduce((a, b) => a + b, 0);
      const ut = uc.reduce((a, b) => a + b, 0);
      for (let l = 0; l < L; l++) {
        const nm = (mc[l]! + PRIOR_MATCHES * m0[k]![l]!) / (mt + PRIOR_MATCHES);
        const nu = (uc[l]! + 0.01) / (ut + 0.01 * L);
        delta = Math.max(delta, Math.abs(nm - m[k]![l]!));
        m[k]![l] = nm;
        uCand[k]![l] = nu;
      }
    }
    if (delta < 1e-5) {
      converged = true;
      iteration++;
      break;
    }
  }
  // With few candidates the share EM finds is noise: lean on a 10%-duplicates default until the data speaks.
  const records = (1 + Math.sqrt(1 + 8 * allPairs)) / 2;
  const fallbackPrior = Math.min(0.5, 0.2 / records);
  const trust = candidateCount / (candidateCount + 200);
  const expectedMatches = share * candidateCount;
  const measured = expectedMatches / Math.max(1, allPairs);
  const prior = Math.min(0.5, Math.max(1e-12, trust * measured + (1 - trust) * fallbackPrior));
  const models: FieldModel[] = fields.map((f, k) => {
    const levels = f.comparator.levels;
    const mk = m[k]!;
    const uk = uRandom[k]!;
    return { name: f.prepared.config.name, levels, m: mk, u: uk, weights: orderedWeights(mk, uk) };
  });
  return { fields: models, prior, candidateMatchShare: share, emIterations: iteration, converged };
}

/**
 * log2(m/u) per level, made non-increasing from the best level to the worst by lifting a better level to the
 * weight of the worse one below it: EM on a small set can rate a rare level (a nickname nobody used) below "similar",
 * which no reviewer would accept. Exact agreement never counts against a pair.
 */
export function orderedWeights(m: readonly number[], u: readonly number[]): number[] {
  const w = m.map((x, l) => Math.log2(Math.max(x, 1e-9) / Math.max(u[l]!, 1e-9)));
  for (let l = w.length - 2; l >= 0; l--) w[l] = Math.max(w[l]!, w[l + 1]!);
  w[0] = Math.max(w[0]!, 0);
  return w;
}
