import type { MatchConfigInput } from './config';
import { finishDedupe, finishLink, prepareDedupe, prepareLink, scoreCandidates } from './engine';
import type { InputRecord } from './input';
import type { DedupeResult, LinkResult } from './result';

/** Finds the records of one source that are the same entity. */
export function dedupe(records: readonly InputRecord[], config: MatchConfigInput): DedupeResult {
  const started = performance.now();
  const data = prepareDedupe(records, config);
  const result = finishDedupe(scoreCandidates(data));
  result.stats.timingsMs.total = Math.round(performance.now() - started);
  return result;
}

/** Finds the records of two sources that are the same entity. */
export function link(left: readonly InputRecord[], right: readonly InputRecord[], config: MatchConfigInput): LinkResult {
  const started = performance.now();
  const data = prepareLink(left, right, config);
  const result = finishLink(scoreCandidates(data));
  result.stats.timingsMs.total = Math.round(performance.now() - started);
  return result;
}

