/**
 * Quality by duplicate rate: the same generator at 0 %, 0.5 %, 2 %, 10 % and 30 % duplicates. Clean CRMs are where
 * duplicates are rare, and a model fitted to the data itself is most tempted there to call look-alikes duplicates, so
 * what counts is what is auto-merged: at 0 % every auto-merged pair is a false one.
 */
import { dedupe } from '../../core/matching';
import { pairsFromEntities } from './datasets';
import { clusterPairs, score } from './evaluate';
import { generateContacts } from './generate-contacts';

export const DUPLICATE_RATES = [0, 0.005, 0.02, 0.1, 0.3] as const;

export interface RateQuality {
  rate: number;
  seed: number;
  records: number;
  truePairs: number;
  /** Pairs inside auto-merge groups, and how many of them are not the same person. */
  autoPairs: number;
  falseAutoPairs: number;
  autoPrecision: number;
  autoRecall: number;
  /** Pairs inside any group (auto-merge or review), and how many of them are not the same person. */
  groupPairs: number;
  falseGroupPairs: number;
  precision: number;
  recall: number;
  f1: number;
  evidence: string;
  seconds: number;
}

const falseOnes = (predicted: Set<string>, truth: Set<string>) => [...predicted].filter((p) => !truth.has(p)).length;

/** Dedupes `records` generated contacts with `rate` duplicates and scores the groups against the generator's truth. */
export function measureRate(records: number, rate: number, seed: number): RateQuality {
  const generated = generateContacts(records, seed, { duplicateShare: rate });
  const ids = generated.records.map((r) => r.id);
  const truth = pairsFromEntities(ids, (i) => String(generated.entityOf[i]));
  const t = performance.now();
  const result = dedupe(generated.records as unknown as Array<Record<string, string>>, {
    preset: 'contacts',
    includeReasons: false,
  });
  const seconds = (performance.now() - t) / 1000;
  const auto = clusterPairs(result, 'auto-merge');
  const all = clusterPairs(result);
  const autoScore = score(auto, truth);
  return {
    rate,
    seed,
    records: result.stats.records,
    truePairs: truth.size,
    autoPairs: auto.size,
    falseAutoPairs: falseOnes(auto, truth),
    autoPrecision: autoScore.precision,
    autoRecall: autoScore.recall,
    groupPairs: all.size,
    falseGroupPairs: falseOnes(all, truth),
    ...score(all, truth),
    evidence: result.stats.evidence,
    seconds,
  };
}
