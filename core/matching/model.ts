import { seededRandom } from './hash';
import type { FieldComparator, Level } from './compare/field-comparators';
import type { FieldKind } from './config';
import type { EvidenceVerdict } from './evidence';
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
  /**
   * Per field, the share of the duplicate class that reached a duplicate's levels on that identifying field in the
   * data itself, before the floor (see DUPLICATE_FLOOR); null for fields that do not identify.
   */
  support: Array<number | null>;
  /** False when m are the defaults (the data showed no duplicates to learn them from; see fitOn). */
  mFromData: boolean;
  /** Whether the data showed its duplicates well enough to merge without review (set by fitOn). */
  evidence?: EvidenceVerdict;
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
export function randomPairs(
  size: number,
  count: number,
  seed: number,
  side?: Uint8Array,
): { left: Int32Array; right: Int32Array } {
  const next = seededRandom(seed);
  const leftIdx: number[] = [];
  const rightIdx: number[] = [];
  if (side) for (let i = 0; i < size; i++) (side[i] === 0 ? leftIdx : rightIdx).push(i);
  const n = Math.min(count, side ? leftIdx.length * rightIdx.length : (size * (size - 1)) / 2);
  const left = new Int32Array(n);
  const right = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    if (side) {
      left[p] = leftIdx[Math.floor(next() * leftIdx.length)]!;
      right[p] = rightIdx[Math.floor(next() * rightIdx.length)]!;
    } else {
      const a = Math.floor(next() * size);
      let b = Math.floor(next() * (size - 1));
      if (b >= a) b++;
      left[p] = a;
      right[p] = b;
    }
  }
  return { left, right };
}

/** Level frequencies with add-one smoothing, so that a level never seen still has a small, finite chance. */
function frequencies(
  levels: Int8Array,
  fieldCount: number,
  k: number,
  levelCount: number,
  weights?: Float64Array,
): number[] {
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
  email: 1e-4,
  phone: 1e-4,
  identifier: 1e-5,
  domain: 1e-3,
  date: 1e-3,
  postcode: 5e-3,
  givenName: 5e-3,
  familyName: 2e-3,
  city: 0.05,
  region: 0.1,
  companyName: 1e-3,
  address: 1e-4,
  fullName: 1e-4,
  text: 0.01,
  number: 0.01,
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

/**
 * Holds a duplicate class to agreeing on an identifying field: the levels in `mask` get at least `floor` of m,
 * by scaling them up and the others down (the closest distribution that meets the floor). Returns m unchanged when
 * it already does.
 */
export function applyFloor(m: number[], mask: readonly boolean[], floor: number): void {
  let inside = 0;
  for (let l = 0; l < m.length; l++) if (mask[l]) inside += m[l]!;
  if (inside >= floor || inside <= 0 || inside >= 1) return;
  for (let l = 0; l < m.length; l++) m[l]! *= mask[l] ? floor / inside : (1 - floor) / (1 - inside);
}

export interface FitOptions {
  iterations: number;
  /**
   * Per field, the levels a true duplicate reaches on an identifying field (all false for other fields): each M step
   * holds them to at least `floor` of the match class (see applyFloor).
   */
  duplicateLevels?: ReadonlyArray<readonly boolean[]>;
  floor?: number;
  /** Keep m at its defaults and fit only the match share (and u among candidates): for data that showed no duplicates. */
  fixedM?: boolean;
}

/**
 * EM over the candidate pairs. Without the floor, EM on data with few or no duplicates settles on whatever large
 * group of pairs agrees most (namesakes, colleagues) and calls it the duplicates; with it, a group that does not
 * share identifying values explains the data worse than "fewer duplicates". `support` then says whether the class
 * found met the floor on its own; when it did not, the caller refits with `fixedM` (see fitOn).
 */
export function fitModel(
  fields: readonly ComparedField[],
  uRandom: number[][],
  candidateLevels: Int8Array,
  candidateCount: number,
  allPairs: number,
  options: FitOptions,
): MatchModel {
  const { iterations, duplicateLevels = [], floor = 0, fixedM = false } = options;
  const F = fields.length;
  const { rows, counts } = patterns(candidateLevels, F);
  const P = counts.length;
  let share = 0.1;
  const m = fields.map((f) => initialM(f.comparator.levels.length));
  const m0 = m.map((x) => [...x]);
  // Non-matches among candidates agree more than random pairs (they share a blocking key): fit their own u.
  const uCand = uRandom.map((u) => [...u]);
  const posterior = new Float64Array(P);
  const floored = fields.map((_, k) => floor > 0 && (duplicateLevels[k]?.some(Boolean) ?? false));
  const support: Array<number | null> = fields.map(() => null);
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
    // A share of ~0 is an answer too: data without duplicates.
    const nextShare = Math.min(0.999, Math.max(1e-9, matched / total));
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
      for (let l = 0; l < L; l++) uCand[k]![l] = (uc[l]! + 0.01) / (ut + 0.01 * L);
      if (floored[k]) {
        const mask = duplicateLevels[k]!;
        support[k] = mt > 0 ? mc.reduce((a, c, l) => a + (mask[l] ? c : 0), 0) / mt : 0;
      }
      if (fixedM) continue;
      const nm = mc.map((c, l) => (c + PRIOR_MATCHES * m0[k]![l]!) / (mt + PRIOR_MATCHES));
      if (floored[k]) applyFloor(nm, duplicateLevels[k]!, floor);
      for (let l = 0; l < L; l++) {
        delta = Math.max(delta, Math.abs(nm[l]! - m[k]![l]!));
        m[k]![l] = nm[l]!;
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
  const prior = Math.min(0.5, Math.max(1e-15, trust * measured + (1 - trust) * fallbackPrior));
  const models: FieldModel[] = fields.map((f, k) => {
    const levels = f.comparator.levels;
    const mk = m[k]!;
    const uk = uRandom[k]!;
    return { name: f.prepared.config.name, levels, m: mk, u: uk, weights: orderedWeights(mk, uk) };
  });
  return {
    fields: models,
    prior,
    candidateMatchShare: share,
    emIterations: iteration,
    converged,
    support,
    mFromData: !fixedM,
  };
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
