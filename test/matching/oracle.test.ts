/**
 * Blocked matching against brute force (the fastest-levenshtein habit: check the fast path against the naive one
 * on random input). On seeded synthetic contacts, every pair that brute force scores above the review threshold
 * must be found by blocking with the same score, but for a stated, asserted recall loss; and the pruned scoring
 * must give exactly the full score to every pair it keeps.
 */
import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../bench/matching/generate-contacts';
import { candidatePairs } from '../../core/matching/block';
import { blockingRules, recordOrder } from '../../core/matching/block-rules';
import { prepareDedupe } from '../../core/matching/dataset';
import { fitOn, levelsFor, weighPairs } from '../../core/matching/engine';
import { PairScorer } from '../../core/matching/score';

/** Blocking may miss at most this share of the pairs brute force puts above the threshold. */
const ALLOWED_RECALL_LOSS = 0.01;

function allPairs(n: number): { left: Int32Array; right: Int32Array } {
  const total = (n * (n - 1)) / 2;
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  let p = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      left[p] = i;
      right[p++] = j;
    }
  return { left, right };
}

describe('blocked matching agrees with brute force', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: same pairs above the threshold, same scores`, () => {
      const { records } = generateContacts(400, seed);
      const data = prepareDedupe(records as unknown as Array<Record<string, string>>, {
        preset: 'contacts',
        model: { seed },
      });
      const prepared = data.fields.map((f) => f.prepared);
      const n = data.ids.length;
      const cand = candidatePairs(blockingRules(prepared), n, data.config.blocking, recordOrder(prepared));
      const scorer = new PairScorer(data.fields, fitOn(data, cand.left, cand.right));
      const review = data.config.thresholds.review / 100;
      const floor = Math.log2(review / (1 - review));

      const brute = allPairs(n);
      const bruteWeights = weighPairs(scorer, brute.left, brute.right, review);
      const blockedWeights = weighPairs(scorer, cand.left, cand.right, review);
      const above = new Map<number, number>();
      for (let p = 0; p < bruteWeights.length; p++)
        if (bruteWeights[p]! >= floor) above.set(brute.left[p]! * n + brute.right[p]!, bruteWeights[p]!);
      let found = 0;
      for (let p = 0; p < blockedWeights.length; p++) {
        if (blockedWeights[p]! < floor) continue;
        const key = cand.left[p]! * n + cand.right[p]!;
        // Nothing above the threshold that brute force would not report, and with the same weight.
        expect(above.get(key)).toBe(blockedWeights[p]);
        found++;
      }
      expect(above.size).toBeGreaterThan(50);
      expect(found / above.size).toBeGreaterThanOrEqual(1 - ALLOWED_RECALL_LOSS);
      expect(cand.left.length).toBeLessThan(brute.left.length / 20);

      // Pruning stops early only where the full score stays below the threshold.
      const full = levelsFor(data.fields, brute.left, brute.right);
      const F = data.fields.length;
      for (let p = 0; p < bruteWeights.length; p++) {
        const w = scorer.weight(full, p * F, brute.left[p]!);
        if (w >= floor) expect(bruteWeights[p]).toBeCloseTo(w, 9);
        else expect(bruteWeights[p]! < floor).toBe(true);
      }
    });
  }
});
