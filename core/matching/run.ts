import type { MatchConfigInput } from './config';
import { prepareDedupe, prepareLink } from './dataset';
import { finishDedupe, finishLink, scoreCandidates } from './engine';
import type { InputRecord } from './input';
import { threadsFor, type ParallelOptions } from './parallel';
import type { DedupeResult, LinkResult } from './result';

/** Finds the records of one source that are the same entity. */
export function dedupe(
  records: readonly InputRecord[],
  config: MatchConfigInput,
  options?: ParallelOptions,
): DedupeResult {
  const started = performance.now();
  const data = prepareDedupe(records, config, threadsFor(Array.isArray(records) ? records.length : 0, options));
  try {
    const result = finishDedupe(scoreCandidates(data));
    result.stats.timingsMs.total = Math.round(performance.now() - started);
    return result;
  } finally {
    data.helper?.close();
  }
}

/** Finds the records of two sources that are the same entity. */
export function link(
  left: readonly InputRecord[],
  right: readonly InputRecord[],
  config: MatchConfigInput,
  options?: ParallelOptions,
): LinkResult {
  const started = performance.now();
  const size = (Array.isArray(left) ? left.length : 0) + (Array.isArray(right) ? right.length : 0);
  const data = prepareLink(left, right, config, threadsFor(size, options));
  try {
    const result = finishLink(scoreCandidates(data));
    result.stats.timingsMs.total = Math.round(performance.now() - started);
    return result;
  } finally {
    data.helper?.close();
  }
}
