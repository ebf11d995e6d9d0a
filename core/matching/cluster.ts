/**
 * Entities from scored pairs. Plain connected components chain: A~B and B~C put A and C together even when A and C
 * are plainly different people. Here pairs are taken strongest first, and two groups join only if the pairs
 * *between* them (scored on demand when blocking did not propose them) average at least `average` and none
 * is below the floor. A weak bridge between two tight groups therefore stays a review pair, not a merge.
 */
export interface Edge {
  a: number;
  b: number;
  p: number;
}

export interface ClusterOptions {
  /** Probability a pair needs to be a reason to join its two groups at all. */
  threshold: number;
  /**
   * Probability the cross pairs must average for two groups to join (default: threshold). Lower than the threshold
   * in practice: a record with a few fields filled scores low against the group's other members without being
   * anyone else, and a high bar here splits true entities apart; the floor is what stops a real chain.
   */
  average?: number;
  /** Probability below which any single cross pair vetoes the join. */
  floor: number;
  /** Cross pairs checked at most per join (spread evenly over both groups). */
  maxChecks: number;
}

export function clusterPairs(
  size: number,
  edges: readonly Edge[],
  score: (a: number, b: number) => number,
  o: ClusterOptions,
): number[][] {
  const parent = new Int32Array(size);
  for (let i = 0; i < size; i++) parent[i] = i;
  const members = new Map<number, number[]>();
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const known = new Map<number, number>();
  for (const e of edges) known.set(e.a * size + e.b, e.p);
  const pairProbability = (x: number, y: number): number => {
    const key = x < y ? x * size + y : y * size + x;
    let p = known.get(key);
    if (p === undefined) {
      p = score(x, y);
      known.set(key, p);
    }
    return p;
  };
  const sorted = [...edges].sort((x, y) => y.p - x.p || x.a - y.a || x.b - y.b);
  for (const e of sorted) {
    if (e.p < o.threshold) break;
    const ra = find(e.a);
    const rb = find(e.b);
    if (ra === rb) continue;
    const A = members.get(ra) ?? [ra];
    const B = members.get(rb) ?? [rb];
    if (A.length > 1 || B.length > 1) {
      const total = A.length * B.length;
      const step = total <= o.maxChecks ? 1 : total / o.maxChecks;
      let sum = 0;
      let checks = 0;
      let vetoed = false;
      for (let t = 0; t < total && !vetoed; t += step) {
        const idx = Math.floor(t);
        const p = pairProbability(A[Math.floor(idx / B.length)]!, B[idx % B.length]!);
        if (p < o.floor) vetoed = true;
        sum += p;
        checks++;
      }
      if (vetoed || sum / checks < (o.average ?? o.threshold)) continue;
    }
    const [big, small, bigRoot, smallRoot] = A.length >= B.length ? [A, B, ra, rb] : [B, A, rb, ra];
    parent[smallRoot] = bigRoot;
    for (const x of small) big.push(x);
    members.set(bigRoot, big);
    members.delete(smallRoot);
  }
  return [...members.values()].map((m) => m.sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!);
}

/**
 * The record that should survive a merge: the one with the most filled-in fields, then the most recent (when a
 * recency value is known), then the earliest in the input.
 */
export function chooseSurvivor(
  cluster: readonly number[],
  filled: (i: number) => number,
  recency: (i: number) => string | null,
): number {
  let best = cluster[0]!;
  for (const i of cluster.slice(1)) {
    const df = filled(i) - filled(best);
    if (df > 0) best = i;
    else if (df === 0) {
      const ri = recency(i);
      const rb = recency(best);
      if (ri !== null && (rb === null || ri > rb)) best = i;
    }
  }
  return best;
}
