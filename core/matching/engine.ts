import { comparatorFor } from './compare/field-comparators';
import { BlockingScratch, blockingRules, candidatePairs, claimRulePairs, recordOrder, uniquePairs, type CandidatePairs, type RuleStat } from './block';
import { chooseSurvivor, clusterPairs, type Edge } from './cluster';
import { MatchConfigSchema, type FieldConfig, type MatchConfig, type MatchConfigInput } from './config';
import { MatchInputError } from './errors';
import { acceptRows, cellText, columnsOf, resolveIdColumn, type AcceptedRows, type InputRecord, type QuarantinedRow } from './input';
import { compareAll, estimateU, fitModel, randomPairs, type ComparedField, type MatchModel } from './model';
import { Helper, threadsFor } from './parallel';
import { fromLean, leanField, makeNormalisers, prepareField, type LeanField, type PreparedField, type RowSegment } from './prepare';
import type { FieldJob } from './worker';
import { findRecencyColumn, recogniseFields } from './presets';
import type { DedupeResult, LinkResult, MatchPair } from './result';
import { applyNameSwap, PairScorer, probability, round2 } from './score';

/** Everything the matching steps share about one run: the records in canonical form and where they came from. */
export interface PreparedDataset {
  config: MatchConfig;
  fields: ComparedField[];
  ids: string[];
  /** Link: 0 for left, 1 for right. */
  side?: Uint8Array;
  rows: InputRecord[];
  recencyColumn?: string;
  quarantine: QuarantinedRow[];
  idColumn: string;
  rightIdColumn?: string;
  columnsUsed: Array<{ field: string; kind: FieldConfig['kind']; columns: string[]; rightColumns?: string[] }>;
  timings: Record<string, number>;
  /** The worker thread sharing the work, when the run uses two threads; closed by the caller. */
  helper?: Helper;
  /** Set when the worker is already blocking: it claims rules from this shared counter, and this thread joins it. */
  blockCounter?: Int32Array;
}

function resolveFields(config: MatchConfig, columns: string[], idColumn: string, label: string): FieldConfig[] {
  if (config.fields) {
    for (const f of config.fields) {
      const missing = f.columns.filter((c) => !columns.includes(c));
      if (missing.length === f.columns.length) throw new MatchInputError(`${label}: field "${f.name}" reads columns that are not there: ${missing.join(', ')}`);
    }
    return config.fields;
  }
  const exclude = new Set([idColumn, ...(config.recencyColumn ? [config.recencyColumn] : [])]);
  const fields = recogniseFields(config.preset!, columns, exclude);
  if (fields.length === 0) throw new MatchInputError(`${label}: the ${config.preset} preset recognised none of the columns (${columns.slice(0, 12).join(', ')}); give fields explicitly`);
  return fields;
}

const now = () => performance.now();

/**
 * Cost of preparing one field of each kind, in hundreds of ms per 300,000 generated contacts on one core of the
 * 2-core test machine (2026-12): normalising it, and deriving words, tails and formal names from its distinct values
 * (what a thread pays again for a field the other one prepared).
 */
const PREPARE_COST: Partial<Record<FieldConfig['kind'], number>> = { address: 30, companyName: 18, phone: 12, email: 11, fullName: 11, text: 9, date: 9.5, postcode: 6.5, familyName: 6, givenName: 3.5, city: 2.2 };
const DERIVE_COST: Partial<Record<FieldConfig['kind'], number>> = { address: 8, companyName: 3, fullName: 3, text: 3, phone: 2, email: 1.5, familyName: 0.5, postcode: 0.3 };
/** Extracting a column's cells and sending them to the worker, on this thread, per field. */
const SEND_COST = 1;

/**
 * Which thread prepares each field (0 this one, 1 the worker): the costliest first, each where the busier thread
 * ends soonest. A field the worker prepares costs this thread its sending and deriving it again afterwards.
 */
function shareFields(fields: readonly FieldConfig[]): number[] {
  const prep = (k: number) => PREPARE_COST[fields[k]!.kind] ?? 2;
  const back = (k: number) => DERIVE_COST[fields[k]!.kind] ?? 0.2;
  const owner = new Array<number>(fields.length);
  let mine = 0;
  let theirs = 0;
  for (const k of fields.map((_, k) => k).sort((a, b) => prep(b) - prep(a) || a - b)) {
    const here = Math.max(mine + prep(k), theirs);
    const there = Math.max(mine + SEND_COST + back(k), theirs + SEND_COST + prep(k));
    if (there < here) {
      owner[k] = 1;
      mine += SEND_COST + back(k);
      theirs += SEND_COST + prep(k);
    } else {
      owner[k] = 0;
      mine += prep(k);
    }
  }
  return owner;
}

/**
 * Every field in canonical form. With a helper, the fields are shared out (costliest first, each to the thread with
 * less so far); the worker's come back by message, and the worker receives this thread's for scoring. Each field is
 * prepared by the same code from the same cells either way, so the result is the same.
 */
function prepareFields(fields: readonly FieldConfig[], segmentsOf: (f: FieldConfig, k: number) => RowSegment[], config: MatchConfig, helper?: Helper, side?: Uint8Array): { compared: ComparedField[]; blockCounter?: Int32Array } {
  const normalisers = makeNormalisers(config);
  const prepared: PreparedField[] = new Array(fields.length);
  let blockCounter: Int32Array | undefined;
  if (!helper) {
    fields.forEach((f, k) => (prepared[k] = prepareField(f, segmentsOf(f, k), normalisers)));
  } else {
    const owner = shareFields(fields);
    const jobs: FieldJob[] = [];
    fields.forEach((f, k) => {
      if (owner[k] !== 1) return;
      jobs.push({ index: k, field: f, segments: segmentsOf(f, k) });
    });
    const normaliserOptions = { defaultCountry: config.defaultCountry, dateOrder: config.dateOrder, extraNicknames: config.extraNicknames };
    helper.send({ type: 'prepare', options: normaliserOptions, jobs });
    fields.forEach((f, k) => {
      if (owner[k] === 0) prepared[k] = prepareField(f, segmentsOf(f, k), normalisers);
    });
    for (const r of helper.receive<Array<{ index: number; lean: LeanField }>>()) prepared[r.index] = fromLean(r.lean, normalisers);
    helper.send({ type: 'fields', options: normaliserOptions, fields: fields.flatMap((_, k) => (owner[k] === 0 ? [{ index: k, lean: leanField(prepared[k]!) }] : [])) });
    // Blocking needs values, not words and tails: the worker starts on it while this thread derives them below.
    blockCounter = startBlocking(helper, prepared[0]!.ids.length, config, side);
  }
  return { compared: prepared.map((p) => ({ prepared: p, comparator: comparatorFor(p) })), ...(blockCounter ? { blockCounter } : {}) };
}

/** Sets the worker blocking: it takes rules from a shared counter until none is left, and so will this thread. */
function startBlocking(helper: Helper, size: number, config: MatchConfig, side?: Uint8Array): Int32Array {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  helper.send({ type: 'block', counter: counter.buffer, size, options: config.blocking, side });
  return counter;
}

function segmentOf(accepted: AcceptedRows, columns: readonly string[]): RowSegment {
  return { columns: columns.map((c) => accepted.columns.get(c)!) };
}

/** A worker for a run over this many records, when it is to use two threads. */
function helperFor(records: number, threads: number | undefined): Helper | undefined {
  return threadsFor(records, { threads: threads ?? 1 }) === 2 ? new Helper() : undefined;
}

/** `threads`: 2 shares normalising and scoring with a worker thread (the caller closes `helper`); default 1. */
export function prepareDedupe(records: readonly InputRecord[], input: MatchConfigInput, threads?: number): PreparedDataset {
  const config = MatchConfigSchema.parse(input);
  if (!Array.isArray(records) || records.length === 0) throw new MatchInputError('no records to match: the input is empty');
  const t0 = now();
  const columns = columnsOf(records);
  const idColumn = resolveIdColumn(columns, config.idColumn, 'records');
  const fields = resolveFields(config, columns, idColumn, 'records');
  const accepted = acceptRows(records, idColumn, fields);
  const helper = helperFor(accepted.rows.length, threads);
  let prepared: ReturnType<typeof prepareFields>;
  try {
    prepared = prepareFields(fields, (f) => [segmentOf(accepted, f.columns)], config, helper);
  } catch (e) {
    helper?.close();
    throw e;
  }
  return {
    ...(helper ? { helper } : {}),
    ...(prepared.blockCounter ? { blockCounter: prepared.blockCounter } : {}),
    config,
    fields: prepared.compared,
    ids: accepted.ids,
    rows: accepted.rows,
    recencyColumn: config.recencyColumn ?? findRecencyColumn(columns),
    quarantine: accepted.quarantine,
    idColumn,
    columnsUsed: fields.map((f) => ({ field: f.name, kind: f.kind, columns: f.columns })),
    timings: { normalise: now() - t0 },
  };
}

export function prepareLink(left: readonly InputRecord[], right: readonly InputRecord[], input: MatchConfigInput, threads?: number): PreparedDataset {
  const config = MatchConfigSchema.parse(input);
  if (!Array.isArray(left) || left.length === 0) throw new MatchInputError('no records to link: the left input is empty');
  if (!Array.isArray(right) || right.length === 0) throw new MatchInputError('no records to link: the right input is empty');
  const t0 = now();
  const lc = columnsOf(left);
  const rc = columnsOf(right);
  const idColumn = resolveIdColumn(lc, config.idColumn, 'left');
  const rightIdColumn = resolveIdColumn(rc, config.rightIdColumn ?? config.idColumn, 'right');
  let fields: Array<FieldConfig & { rightColumns: string[] }>;
  if (config.fields) {
    fields = config.fields.map((f) => ({ ...f, rightColumns: f.rightColumns ?? f.columns }));
  } else {
    const lf = resolveFields(config, lc, idColumn, 'left');
    const rf = resolveFields(config, rc, rightIdColumn, 'right');
    fields = lf.flatMap((f) => {
      const r = rf.find((x) => x.name === f.name);
      return r ? [{ ...f, rightColumns: r.columns }] : [];
    });
    if (fields.length === 0) throw new MatchInputError('the two sources share no recognised field');
  }
  const la = acceptRows(left, idColumn, fields, 'left');
  const ra = acceptRows(right, rightIdColumn, fields.map((f) => ({ ...f, columns: f.rightColumns })), 'right');
  const helper = helperFor(la.rows.length + ra.rows.length, threads);
  const side = new Uint8Array(la.rows.length + ra.rows.length);
  side.fill(1, la.rows.length);
  let prepared: ReturnType<typeof prepareFields>;
  try {
    prepared = prepareFields(fields, (_f, k) => [
      segmentOf(la, fields[k]!.columns),
      segmentOf(ra, fields[k]!.rightColumns),
    ], config, helper, side);
  } catch (e) {
    helper?.close();
    throw e;
  }
  return {
    ...(helper ? { helper } : {}),
    ...(prepared.blockCounter ? { blockCounter: prepared.blockCounter } : {}),
    config,
    fields: prepared.compared,
    ids: [...la.ids, ...ra.ids],
    side,
    rows: [...la.rows, ...ra.rows],
    recencyColumn: config.recencyColumn ?? findRecencyColumn(lc),
    quarantine: [...la.quarantine, ...ra.quarantine],
    idColumn,
    rightIdColumn,
    columnsUsed: fields.map((f) => ({ field: f.name, kind: f.kind, columns: f.columns, ...(f.rightColumns.join() !== f.columns.join() ? { rightColumns: f.rightColumns } : {}) })),
    timings: { normalise: now() - t0 },
  };
}

export interface ScoredRun {
  data: PreparedDataset;
  model: MatchModel;
  scorer: PairScorer;
  left: Int32Array;
  right: Int32Array;
  /** Match weight per candidate pair; -Infinity where it provably stays below the review threshold. */
  weights: Float64Array;
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

/** The model fitted on a dataset's own records: u from random pairs, m and the prior by EM over candidates. */
export function fitOn(data: PreparedDataset, left: Int32Array, right: Int32Array): MatchModel {
  const { config, fields } = data;
  const sample = randomPairs(data.ids.length, config.model.randomPairs, config.model.seed, data.side);
  const em = everyKth(left, right, EM_SAMPLE);
  let randomLevels: Int8Array;
  let emLevels: Int8Array;
  if (data.helper) {
    // The worker compares the random pairs while this thread compares the EM sample: same comparators, same levels.
    data.helper.send({ type: 'levels', left: sample.left, right: sample.right }, [sample.left.buffer as ArrayBuffer, sample.right.buffer as ArrayBuffer]);
    emLevels = levelsFor(fields, em.left, em.right);
    randomLevels = data.helper.receive<Int8Array>();
  } else {
    randomLevels = levelsFor(fields, sample.left, sample.right);
    emLevels = levelsFor(fields, em.left, em.right);
  }
  return fitModel(fields, estimateU(fields, randomLevels), emLevels, left.length, allPairsCount(data), config.model.emIterations);
}

/** Match weights of some pairs, pruned below the review threshold (see PairScorer.prunedWeight). */
export function weighPairs(scorer: PairScorer, left: Int32Array, right: Int32Array, reviewThreshold: number): Float64Array {
  const floor = Math.log2(reviewThreshold / (1 - reviewThreshold));
  const plan = scorer.pruningPlan();
  const scratch = new Int8Array(scorer.fields.length);
  const weights = new Float64Array(left.length);
  for (let p = 0; p < left.length; p++) weights[p] = scorer.prunedWeight(left[p]!, right[p]!, floor, plan.order, plan.remainingMax, scratch);
  return weights;
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
    const counter = data.blockCounter ?? startBlocking(data.helper, n, config, data.side);
    delete data.blockCounter;
    const scratch = new BlockingScratch(n);
    const stats = new Array<RuleStat>(rules.length);
    for (const r of claimRulePairs(rules, counter, n, config.blocking, recordOrder(prepared), scratch, data.side)) stats[r.index] = r.stat;
    const theirs = data.helper.receive<{ stats: Array<{ index: number; stat: RuleStat }>; pairs: Float64Array }>();
    for (const r of theirs.stats) stats[r.index] = r.stat;
    scratch.pairs.append(theirs.pairs);
    cand = uniquePairs(scratch.pairs, stats, n);
  } else cand = candidatePairs(rules, n, config.blocking, recordOrder(prepared), data.side);
  data.timings.block = now() - t;
  t = now();
  const model = fixedModel ?? fitOn(data, cand.left, cand.right);
  data.timings.fit = now() - t;
  t = now();
  const scorer = new PairScorer(fields, model);
  const review = clampThreshold(config.thresholds.review / 100);
  let weights: Float64Array;
  if (data.helper) {
    // The worker scores the second half of the pairs with its own scorer over the same fields and model.
    const mid = cand.left.length >> 1;
    const wl = cand.left.slice(mid);
    const wr = cand.right.slice(mid);
    data.helper.send({ type: 'score', model, left: wl, right: wr, review }, [wl.buffer, wr.buffer]);
    const mine = weighPairs(scorer, cand.left.subarray(0, mid), cand.right.subarray(0, mid), review);
    const theirs = data.helper.receive<Float64Array>();
    weights = new Float64Array(cand.left.length);
    weights.set(mine);
    weights.set(theirs, mid);
  } else weights = weighPairs(scorer, cand.left, cand.right, review);
  data.timings.score = now() - t;
  return { data, model, scorer, left: cand.left, right: cand.right, weights, blocking: cand.stats };
}

interface Assembled {
  pairs: MatchPair[];
  groups: number[][];
  groupMin: number[];
  survivors: number[];
  splitPairs: number;
  autoMergePairs: number;
}

function assemble(run: ScoredRun): Assembled {
  const { data, scorer } = run;
  const { thresholds, clustering, includeReasons } = data.config;
  const review = thresholds.review / 100;
  const t = now();
  const edges: Edge[] = [];
  const pairs: MatchPair[] = [];
  let autoMergePairs = 0;
  for (let p = 0; p < run.weights.length; p++) {
    const w = run.weights[p]!;
    const prob = probability(w);
    if (prob < review) continue;
    const a = run.left[p]!;
    const b = run.right[p]!;
    edges.push({ a, b, p: prob });
    const decision = prob * 100 >= thresholds.autoMerge ? 'auto-merge' : 'review';
    if (decision === 'auto-merge') autoMergePairs++;
    pairs.push({
      left: data.ids[a]!,
      right: data.ids[b]!,
      confidence: Math.round(prob * 1000) / 10,
      matchWeight: round2(w),
      decision,
      ...(includeReasons ? { reasons: scorer.reasons(scorer.levelsOf(a, b), 0, a) } : {}),
    });
  }
  const groups = clusterPairs(data.ids.length, edges, (a, b) => scorer.probabilityOf(a, b), {
    threshold: review,
    floor: clustering.vetoBelow / 100,
    average: clustering.minAverage / 100,
    maxChecks: clustering.maxChecksPerJoin,
  });
  const groupOf = new Map<number, number>();
  groups.forEach((g, k) => g.forEach((i) => groupOf.set(i, k)));
  const groupMin = groups.map(() => 1);
  let splitPairs = 0;
  for (const e of edges) {
    const g = groupOf.get(e.a);
    if (g === undefined || g !== groupOf.get(e.b)) splitPairs++;
    else groupMin[g] = Math.min(groupMin[g]!, e.p);
  }
  const recency = data.recencyColumn;
  const filled = (i: number) => data.fields.reduce((c, f) => c + (f.prepared.values[i] === null ? 0 : 1), 0);
  const recent = (i: number) => (recency ? cellText(data.rows[i]![recency]) : null);
  const survivors = groups.map((g) => chooseSurvivor(g, filled, recent));
  data.timings.cluster = now() - t;
  return { pairs, groups, groupMin, survivors, splitPairs, autoMergePairs };
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
      fields: model.fields.map((f) => ({ name: f.name, levels: f.levels.map((l, k) => ({ label: l.label, m: f.m[k]!, u: f.u[k]!, weight: round2(f.weights[k]!) })) })),
    },
    stats: {
      records: data.ids.length,
      quarantined: data.quarantine.length,
      allPairs: allPairsCount(data),
      candidatePairs: run.left.length,
      blocking: run.blocking.rules,
      reviewPairs: a.pairs.length - a.autoMergePairs,
      autoMergePairs: a.autoMergePairs,
      clusters: a.groups.length,
      singletons: data.ids.length - inGroups,
      splitPairs: a.splitPairs,
      timingsMs: Object.fromEntries(Object.entries(data.timings).map(([k, v]) => [k, Math.round(v)])),
    },
  };
}

const decisionOf = (minP: number, autoMerge: number) => (minP * 100 >= autoMerge ? 'auto-merge' : 'review') as 'auto-merge' | 'review';

export function finishDedupe(run: ScoredRun): DedupeResult {
  const a = assemble(run);
  const { ids, config } = run.data;
  return {
    mode: 'dedupe',
    clusters: a.groups.map((g, k) => ({
      id: k + 1,
      records: g.map((i) => ids[i]!),
      survivor: ids[a.survivors[k]!]!,
      decision: decisionOf(a.groupMin[k]!, config.thresholds.autoMerge),
      minConfidence: Math.round(a.groupMin[k]! * 1000) / 10,
    })),
    ...summary(run, a),
  };
}

export function finishLink(run: ScoredRun): LinkResult {
  const a = assemble(run);
  const { ids, config, side } = run.data;
  return {
    mode: 'link',
    rightIdColumn: run.data.rightIdColumn!,
    clusters: a.groups.map((g, k) => ({
      id: k + 1,
      left: g.filter((i) => side![i] === 0).map((i) => ids[i]!),
      right: g.filter((i) => side![i] === 1).map((i) => ids[i]!),
      survivor: { source: side![a.survivors[k]!] === 0 ? ('left' as const) : ('right' as const), id: ids[a.survivors[k]!]! },
      decision: decisionOf(a.groupMin[k]!, config.thresholds.autoMerge),
      minConfidence: Math.round(a.groupMin[k]! * 1000) / 10,
    })),
    ...summary(run, a),
  };
}
