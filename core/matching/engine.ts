import {
  BlockingScratch,
  candidatePairs,
  claimRulePairs,
  uniquePairs,
  type CandidatePairs,
  type RuleStat,
} from './block';
import { blockingRules, recordOrder } from './block-rules';
import { chooseSurvivor, clusterPairs, type Edge } from './cluster';
import { startBlocking, type PreparedDataset } from './dataset';
import { cellText } from './input';
import {
  assessEvidence,
  DUPLICATE_FLOOR,
  identifies,
  identifyingPlan,
  unsupportedFit,
  unsupportedVerdict,
  type EvidenceVerdict,
  type IdentifyingPlan,
} from './evidence';
import { compareAll, estimateU, fitModel, randomPairs, type ComparedField, type MatchModel } from './model';
import type { DedupeResult, LinkResult, MatchPair } from './result';
import type { BlockReply, ScoreReply, UReply } from './worker-protocol';
import { applyNameSwap, PairScorer, probability, round2 } from './score';

const now = () => performance.now();

export interface ScoredRun {
  data: PreparedDataset;
  model: MatchModel;
  scorer: PairScorer;
  left: Int32Array;
  right: Int32Array;
  /** Match weight per candidate pair; -Infinity where it provably stays below the review threshold. */
  weights: Float64Array;
  /** Per candidate pair: 1 when it agrees on an identifying value (see evidence.ts); 0 when not, or pruned. */
  identified: Uint8Array;
  blocking: ReturnType<typeof candidatePairs>['stats'];
}

/** Comparison levels of some pairs, with the first/last-name swap applied. */
export function levelsFor(fields: readonly ComparedField[], left: Int32Array, right: Int32Array): Int8Array {
  const levels = compareAll(fields, left, right);
  const F = fields.length;
  for (let p = 0; p < left.length; p++) applyNameSwap(fields, levels, p * F, left[p]!, right[p]!);
  return levels;
}

export function allPairsCount(data: PreparedDataset): number {
  const n = data.ids.length;
  if (!data.side) return (n * (n - 1)) / 2;
  let l = 0;
  for (const s of data.side) if (s === 0) l++;
  return l * (n - l);
}

/** EM learns as well from an evenly spread sample of candidates as from millions of them. */
const EM_SAMPLE = 200_000;

function everyKth(left: Int32Array, right: Int32Array, max: number): { left: Int32Array; right: Int32Array } {
  if (left.length <= max) return { left, right };
  const step = left.length / max;
  const l = new Int32Array(max);
  const r = new Int32Array(max);
  for (let x = 0; x < max; x++) {
    const p = Math.floor(x * step);
    l[x] = left[p]!;
    r[x] = right[p]!;
  }
  return { left: l, right: r };
}

/** u per field and level from random pairs of the dataset (see estimateU). */
export function uFromRandomPairs(
  fields: readonly ComparedField[],
  size: number,
  count: number,
  seed: number,
  side?: Uint8Array,
): number[][] {
  const sample = randomPairs(size, count, seed, side);
  return estimateU(fields, levelsFor(fields, sample.left, sample.right));
}

/** What identifies a record among a run's fields (see evidence.ts). */
export function planOf(fields: readonly ComparedField[]): IdentifyingPlan {
  return identifyingPlan(
    fields.map((f) => ({
      kind: f.prepared.kind,
      levels: f.comparator.levels,
      name: f.prepared.config.name,
      identifying: f.prepared.config.identifying,
    })),
  );
}

/** The model fitted on a dataset's own records: u from random pairs, m and the prior by EM over candidates. */
export function fitOn(data: PreparedDataset, left: Int32Array, right: Int32Array): MatchModel {
  const { config, fields } = data;
  const em = everyKth(left, right, EM_SAMPLE);
  let u: number[][];
  let emLevels: Int8Array;
  if (data.helper) {
    // The worker draws and compares the random pairs while this thread compares the EM sample: same comparators,
    // same pairs (the same seed), same levels.
    data.helper.send({ type: 'u', count: config.model.randomPairs, seed: config.model.seed });
    emLevels = levelsFor(fields, em.left, em.right);
    u = data.helper.receive<UReply>();
  } else {
    u = uFromRandomPairs(fields, data.ids.length, config.model.randomPairs, config.model.seed, data.side);
    emLevels = levelsFor(fields, em.left, em.right);
  }
  const plan = planOf(fields);
  const fit = (fixedM: boolean) =>
    fitModel(fields, u, emLevels, left.length, allPairsCount(data), {
      iterations: config.model.emIterations,
      duplicateLevels: plan.duplicate,
      floor: DUPLICATE_FLOOR,
      fixedM,
    });
  const names = fields.map((f) => f.prepared.config.name);
  const learned = fit(false);
  const unsupported = unsupportedFit(learned.support, names);
  if (unsupported === null)
    return { ...learned, evidence: assessEvidence(plan, learned.candidateMatchShare * left.length, left.length) };
  // EM described something other than duplicates (look-alikes that do not share identifying values, such as
  // namesakes or same-name companies): the data does not show what its duplicates look like. Scored with the default
  // m and only the share fitted, pairs are still ranked for review; none is merged on this model's word.
  return { ...fit(true), support: learned.support, evidence: unsupportedVerdict(unsupported) };
}

/**
 * Match weights of some pairs, pruned below the review threshold (see PairScorer.prunedWeight), into `out`; with
 * `identified`, also whether each pair kept agrees on an identifying value (1) or not (0), read from the levels the
 * scoring computed anyway.
 */
export function weighPairs(
  scorer: PairScorer,
  left: Int32Array,
  right: Int32Array,
  reviewThreshold: number,
  out: Float64Array<ArrayBufferLike> = new Float64Array(left.length),
  identified?: Uint8Array<ArrayBufferLike>,
): Float64Array<ArrayBufferLike> {
  const floor = Math.log2(reviewThreshold / (1 - reviewThreshold));
  const plan = scorer.pruningPlan();
  const identifying = identified ? planOf(scorer.fields) : undefined;
  const scratch = new Int8Array(scorer.fields.length);
  for (let p = 0; p < left.length; p++) {
    const w = scorer.prunedWeight(left[p]!, right[p]!, floor, plan.order, plan.remainingMax, scratch);
    out[p] = w;
    // A pair kept was scored on every field: the scratch holds all its levels.
    if (identifying) identified![p] = w !== -Infinity && identifies(identifying, scratch) ? 1 : 0;
  }
  return out;
}

const clampThreshold = (t: number) => Math.min(1 - 1e-9, Math.max(1e-9, t));

/** Blocking, model fitting and scoring of the candidate pairs. */
export function scoreCandidates(data: PreparedDataset, fixedModel?: MatchModel): ScoredRun {
  const { config, fields } = data;
  const n = data.ids.length;
  let t = now();
  const prepared = fields.map((f) => f.prepared);
  const rules = blockingRules(prepared);
  let cand: CandidatePairs;
  if (data.helper) {
    // Both threads take rules from a shared counter until none is left; the merge sorts the pairs, so the result
    // does not depend on which thread blocked which rule.
    const counter = data.blockCounter ?? startBlocking(data.helper, n, config.blocking, data.side);
    delete data.blockCounter;
    const scratch = data.scratch ?? new BlockingScratch(n);
    delete data.scratch;
    const stats = new Array<RuleStat>(rules.length);
    for (const r of claimRulePairs(rules, counter, n, config.blocking, recordOrder(prepared), scratch, data.side))
      stats[r.index] = r.stat;
    const mine = scratch.pairs.view().sort();
    const theirs = data.helper.receive<BlockReply>();
    for (const r of theirs.stats) stats[r.index] = r.stat;
    // Each thread sorted its own pairs; shared, the result reaches the worker for scoring without a copy.
    cand = uniquePairs([mine, theirs.pairs], stats, n, { sorted: true, shared: true });
  } else cand = candidatePairs(rules, n, config.blocking, recordOrder(prepared), data.side);
  data.timings.block = now() - t;
  t = now();
  const model = fixedModel ?? fitOn(data, cand.left, cand.right);
  data.timings.fit = now() - t;
  t = now();
  const scorer = new PairScorer(fields, model);
  const review = clampThreshold(config.thresholds.review / 100);
  let weights: Float64Array;
  let identified: Uint8Array;
  if (data.helper) {
    // The worker scores the second half of the pairs with its own scorer over the same fields and model, straight
    // into shared memory: at a million records, every copy of these arrays also costs a full garbage collection.
    const mid = cand.left.length >> 1;
    weights = new Float64Array(new SharedArrayBuffer(cand.left.length * 8));
    identified = new Uint8Array(new SharedArrayBuffer(cand.left.length));
    data.helper.send({
      type: 'score',
      model,
      left: cand.left.subarray(mid),
      right: cand.right.subarray(mid),
      review,
      weights: weights.subarray(mid),
      identified: identified.subarray(mid),
    });
    weighPairs(
      scorer,
      cand.left.subarray(0, mid),
      cand.right.subarray(0, mid),
      review,
      weights.subarray(0, mid),
      identified.subarray(0, mid),
    );
    data.helper.receive<ScoreReply>();
  } else {
    identified = new Uint8Array(cand.left.length);
    weights = weighPairs(scorer, cand.left, cand.right, review, undefined, identified);
  }
  data.timings.score = now() - t;
  return { data, model, scorer, left: cand.left, right: cand.right, weights, identified, blocking: cand.stats };
}

interface Assembled {
  pairs: MatchPair[];
  groups: number[][];
  groupMin: number[];
  /** Per group: every pair inside it may be merged without review. */
  groupAuto: boolean[];
  survivors: number[];
  splitPairs: number;
  autoMergePairs: number;
  /** Pairs above the auto-merge threshold kept for review because no identifying field agrees. */
  heldForReview: number;
  evidence: EvidenceVerdict;
}

/** Why a pair the model rates above the auto-merge threshold is still for review. */
const NOT_IDENTIFIED =
  'no identifying field agrees (e-mail, phone, birth date, ID, or name with address): alike, not shown to be one';

function assemble(run: ScoredRun): Assembled {
  const { data, scorer, model } = run;
  const { thresholds, clustering, includeReasons } = data.config;
  const review = thresholds.review / 100;
  const t = now();
  const plan = planOf(data.fields);
  const evidence: EvidenceVerdict =
    model.evidence ?? assessEvidence(plan, model.candidateMatchShare * run.left.length, run.left.length);
  const mayMerge = evidence.evidence === 'sufficient';
  const scratch = new Int8Array(data.fields.length);
  const edges: Edge[] = [];
  const eligible: boolean[] = [];
  const pairs: MatchPair[] = [];
  let autoMergePairs = 0;
  let heldForReview = 0;
  for (let p = 0; p < run.weights.length; p++) {
    const w = run.weights[p]!;
    const prob = probability(w);
    if (prob < review) continue;
    const a = run.left[p]!;
    const b = run.right[p]!;
    const above = prob * 100 >= thresholds.autoMerge;
    const identified = above && run.identified[p] === 1;
    const auto = above && identified && mayMerge;
    if (above && !identified) heldForReview++;
    edges.push({ a, b, p: prob });
    eligible.push(auto);
    if (auto) autoMergePairs++;
    pairs.push({
      left: data.ids[a]!,
      right: data.ids[b]!,
      confidence: Math.round(prob * 1000) / 10,
      matchWeight: round2(w),
      decision: auto ? 'auto-merge' : 'review',
      ...(above && !identified
        ? { reviewReason: NOT_IDENTIFIED }
        : above && !mayMerge
          ? { reviewReason: evidence.evidenceNote }
          : {}),
      ...(includeReasons ? { reasons: scorer.reasons(scorer.levelsOf(a, b, scratch), 0, a) } : {}),
    });
  }
  const groups = clusterPairs(data.ids.length, edges, (a, b) => scorer.probabilityOf(a, b), {
    threshold: review,
    floor: clustering.vetoBelow / 100,
    average: clustering.minAverage / 100,
    maxChecks: clustering.maxChecksPerJoin,
  });
  const groupOf = new Int32Array(data.ids.length).fill(-1);
  groups.forEach((g, k) => g.forEach((i) => (groupOf[i] = k)));
  const groupMin = groups.map(() => 1);
  const groupAuto = groups.map(() => true);
  let splitPairs = 0;
  edges.forEach((e, x) => {
    const g = groupOf[e.a]!;
    if (g < 0 || g !== groupOf[e.b]) splitPairs++;
    else {
      groupMin[g] = Math.min(groupMin[g]!, e.p);
      if (!eligible[x]) groupAuto[g] = false;
    }
  });
  const recency = data.recencyColumn;
  const filled = (i: number) => data.fields.reduce((c, f) => c + (f.prepared.ids[i]! < 0 ? 0 : 1), 0);
  const recent = (i: number) => (recency ? (cellText(data.rows[i]![recency]) ?? null) : null);
  const survivors = groups.map((g) => chooseSurvivor(g, filled, recent));
  data.timings.cluster = now() - t;
  return { pairs, groups, groupMin, groupAuto, survivors, splitPairs, autoMergePairs, heldForReview, evidence };
}

function summary(run: ScoredRun, a: Assembled) {
  const { data, model } = run;
  const inGroups = a.groups.reduce((t, g) => t + g.length, 0);
  return {
    pairs: a.pairs,
    columnsUsed: data.columnsUsed,
    idColumn: data.idColumn,
    quarantine: data.quarantine,
    model: {
      prior: model.prior,
      candidateMatchShare: model.candidateMatchShare,
      emIterations: model.emIterations,
      converged: model.converged,
      mFromData: model.mFromData,
      fields: model.fields.map((f, k) => ({
        name: f.name,
        ...(model.support[k] != null ? { duplicateAgreement: model.support[k]! } : {}),
        levels: f.levels.map((l, x) => ({ label: l.label, m: f.m[x]!, u: f.u[x]!, weight: round2(f.weights[x]!) })),
      })),
    },
    stats: {
      records: data.ids.length,
      quarantined: data.quarantine.length,
      allPairs: allPairsCount(data),
      candidatePairs: run.left.length,
      blocking: run.blocking.rules,
      reviewPairs: a.pairs.length - a.autoMergePairs,
      autoMergePairs: a.autoMergePairs,
      heldForReview: a.heldForReview,
      evidence: a.evidence.evidence,
      evidenceNote: a.evidence.evidenceNote,
      clusters: a.groups.length,
      singletons: data.ids.length - inGroups,
      splitPairs: a.splitPairs,
      timingsMs: Object.fromEntries(Object.entries(data.timings).map(([k, v]) => [k, Math.round(v)])),
    },
  };
}

const decisionOf = (a: Assembled, g: number) => (a.groupAuto[g] ? 'auto-merge' : 'review') as 'auto-merge' | 'review';

export function finishDedupe(run: ScoredRun): DedupeResult {
  const a = assemble(run);
  const { ids } = run.data;
  return {
    mode: 'dedupe',
    clusters: a.groups.map((g, k) => ({
      id: k + 1,
      records: g.map((i) => ids[i]!),
      survivor: ids[a.survivors[k]!]!,
      decision: decisionOf(a, k),
      minConfidence: Math.round(a.groupMin[k]! * 1000) / 10,
    })),
    ...summary(run, a),
  };
}

export function finishLink(run: ScoredRun): LinkResult {
  const a = assemble(run);
  const { ids, side } = run.data;
  return {
    mode: 'link',
    rightIdColumn: run.data.rightIdColumn!,
    clusters: a.groups.map((g, k) => ({
      id: k + 1,
      left: g.filter((i) => side![i] === 0).map((i) => ids[i]!),
      right: g.filter((i) => side![i] === 1).map((i) => ids[i]!),
      survivor: {
        source: side![a.survivors[k]!] === 0 ? ('left' as const) : ('right' as const),
        id: ids[a.survivors[k]!]!,
      },
      decision: decisionOf(a, k),
      minConfidence: Math.round(a.groupMin[k]! * 1000) / 10,
    })),
    ...summary(run, a),
  };
}
