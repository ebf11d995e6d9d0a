import { dedupe, link, type DedupeResult, type LinkResult, type MatchConfigInput } from '../../core/matching';
import { pairKey, type LabeledSet } from './datasets';

export interface Quality {
  set: string;
  records: number;
  truePairs: number;
  predictedPairs: number;
  precision: number;
  recall: number;
  f1: number;
  candidatePairs: number;
  seconds: number;
  columns: string;
  result: DedupeResult | LinkResult;
}

/**
 * Pairwise quality of the entities found: every pair of records put in one cluster counts as a predicted match
 * (only the clusters of one decision when `decision` is given).
 */
export function clusterPairs(result: DedupeResult | LinkResult, decision?: 'auto-merge' | 'review'): Set<string> {
  const out = new Set<string>();
  if (result.mode === 'dedupe') {
    for (const c of result.clusters) {
      if (decision && c.decision !== decision) continue;
      for (let x = 0; x < c.records.length; x++)
        for (let y = x + 1; y < c.records.length; y++) out.add(pairKey(c.records[x]!, c.records[y]!));
    }
  } else {
    for (const c of result.clusters)
      if (!decision || c.decision === decision) for (const l of c.left) for (const r of c.right) out.add(`${l}|${r}`);
  }
  return out;
}

export function score(predicted: Set<string>, truth: Set<string>): { precision: number; recall: number; f1: number } {
  let tp = 0;
  for (const p of predicted) if (truth.has(p)) tp++;
  const precision = predicted.size === 0 ? 1 : tp / predicted.size;
  const recall = truth.size === 0 ? 1 : tp / truth.size;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** One configuration per preset, whatever the set: only the preset and the set's ID column differ. */
export function presetConfig(set: LabeledSet): MatchConfigInput {
  return { preset: set.preset, idColumn: set.idColumn };
}

export function evaluate(set: LabeledSet): Quality {
  const t = performance.now();
  const result =
    set.mode === 'dedupe' ? dedupe(set.records, presetConfig(set)) : link(set.left, set.right, presetConfig(set));
  const seconds = (performance.now() - t) / 1000;
  const predicted = clusterPairs(result);
  return {
    set: set.name,
    records: result.stats.records,
    truePairs: set.truth.size,
    predictedPairs: predicted.size,
    ...score(predicted, set.truth),
    candidatePairs: result.stats.candidatePairs,
    seconds,
    columns: result.columnsUsed.map((c) => `${c.field}=${c.columns.join('+')}`).join(', '),
    result,
  };
}
