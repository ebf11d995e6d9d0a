/**
 * Minimum-cost assignment (Hungarian algorithm, Jonker-Volgenant style potentials), O(n² m) for n rows ≤ m columns.
 * Returns for each row the column it gets. Every row gets a distinct column.
 */
export function minCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  if (n === 0) return [];
  const m = cost[0]!.length;
  if (m < n) throw new Error(`assignment needs at least as many columns (${m}) as rows (${n})`);
  for (const row of cost)
    if (row.length !== m || row.some((c) => !Number.isFinite(c)))
      throw new Error('cost matrix must be rectangular and finite');
  // 1-based arrays as in the classic formulation; p[j] = row matched to column j (0 = none).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) result[p[j]! - 1] = j - 1;
  return result;
}

/**
 * Maximum-score one-to-one matching where "no match" is allowed: a row is left unmatched (-1) rather than paired
 * below `threshold`. Implemented by giving every row its own "no match" column worth exactly `threshold`.
 */
export function maxScoreMatching(score: readonly (readonly number[])[], threshold: number): number[] {
  const n = score.length;
  if (n === 0) return [];
  const m = score[0]!.length;
  const cost = score.map((row, i) => [
    ...row.map((s) => -s),
    ...Array.from({ length: n }, (_, k) => (k === i ? -threshold : 1e9)),
  ]);
  return minCostAssignment(cost).map((j) => (j < m ? j : -1));
}
