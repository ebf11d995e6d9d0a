import { jaroWinklerAbove } from './compare/string-similarity';
import type { ComparedField, MatchModel } from './model';

export interface Reason {
  field: string;
  level: string;
  outcome: 'agree' | 'partial' | 'disagree' | 'missing';
  /** Bits of evidence: positive for the same entity, negative against, 0 when a side is blank. */
  weight: number;
}

const log2 = Math.log2;

/**
 * Turns comparison levels into a match weight and probability with a fitted model. Exact agreement is weighted by
 * how common the shared value is (term frequency): two "Smith"s say less than two "Sondergeld"s.
 */
export class PairScorer {
  readonly priorWeight: number;
  private readonly F: number;
  private readonly exactM: number[];
  private readonly levelOneWeight: number[];
  /** Per field, the exact-agreement weight of each distinct value (by value id). */
  private readonly exactWeights: Float64Array[];
  private readonly ids: Int32Array[];
  private readonly levelWeights: Float64Array[];

  constructor(
    readonly fields: readonly ComparedField[],
    readonly model: MatchModel,
  ) {
    this.F = fields.length;
    this.priorWeight = log2(model.prior / (1 - model.prior));
    this.exactM = model.fields.map((f) => f.m[0]!);
    this.levelOneWeight = model.fields.map((f) => Math.max(0, f.weights[1] ?? 0));
    this.ids = fields.map((f) => f.prepared.ids);
    this.levelWeights = model.fields.map((f) => Float64Array.from(f.weights));
    this.exactWeights = fields.map((f, k) => {
      const { idCounts, nonBlank } = f.prepared;
      const out = new Float64Array(idCounts.length);
      // Never below the next level: a common value agreeing exactly is still better than a near miss.
      for (let id = 0; id < idCounts.length; id++)
        out[id] = Math.max(log2(this.exactM[k]! / (idCounts[id]! / nonBlank)), this.levelOneWeight[k]!, 0);
      return out;
    });
  }

  /** The weight of one field at one level for pair (i, j). */
  fieldWeight(k: number, level: number, i: number): number {
    return this.weightOf(k, level, this.ids[k]![i]!);
  }

  /** The same, given record i's value id in field k (exact agreement is weighted by that value's frequency). */
  private weightOf(k: number, level: number, id: number): number {
    if (level < 0) return 0;
    if (level > 0) return this.levelWeights[k]![level]!;
    return this.exactWeights[k]![id]!;
  }

  /** The most a field can add: its exact weight for the rarest value (term frequency of one record). */
  maxFieldWeight(k: number): number {
    const f = this.fields[k]!.prepared;
    return Math.max(log2(this.exactM[k]! * Math.max(1, f.nonBlank)), this.model.fields[k]!.weights[0]!, 0);
  }

  weight(levels: Int8Array, offset: number, i: number): number {
    let w = this.priorWeight;
    for (let k = 0; k < this.F; k++) w += this.fieldWeight(k, levels[offset + k]!, i);
    return w;
  }

  reasons(levels: Int8Array, offset: number, i: number): Reason[] {
    const out: Reason[] = [];
    for (let k = 0; k < this.F; k++) {
      const l = levels[offset + k]!;
      const fm = this.model.fields[k]!;
      if (l < 0) out.push({ field: fm.name, level: 'blank', outcome: 'missing', weight: 0 });
      else
        out.push({
          field: fm.name,
          level: fm.levels[l]!.label,
          outcome: fm.levels[l]!.outcome,
          weight: round2(this.fieldWeight(k, l, i)),
        });
    }
    return out;
  }

  /** Levels of one pair, computed on demand (clustering checks pairs that blocking did not propose), into `out`. */
  levelsOf(i: number, j: number, out: Int8Array = new Int8Array(this.F)): Int8Array {
    for (let k = 0; k < this.F; k++) out[k] = this.fields[k]!.comparator.compare(i, j);
    applyNameSwap(this.fields, out, 0, i, j);
    return out;
  }

  /**
   * The match weight of (i, j), or -Infinity as soon as the fields left cannot lift it to `floor`. Fields are taken
   * cheapest first, so most non-matching candidates never reach the costly address and company comparisons; the
   * result above `floor` is exactly the full weight.
   */
  prunedWeight(
    i: number,
    j: number,
    floor: number,
    order: readonly number[],
    remainingMax: readonly number[],
    scratch: Int8Array,
  ): number {
    let w = this.priorWeight;
    const F = this.F;
    const rows = this.valueIdRows();
    for (let x = 0; x < order.length; x++) {
      if (w + remainingMax[x]! < floor) return -Infinity;
      const k = order[x]!;
      const id = rows[i * F + k]!;
      scratch[k] = this.fields[k]!.comparator.compareIds(id, rows[j * F + k]!);
      w += this.weightOf(k, scratch[k]!, id);
      // The name swap rewrites two name levels at once: once both are known, rescore them together.
      if (this.swap && x === this.swap.after) {
        const before =
          this.fieldWeight(this.swap.g, scratch[this.swap.g]!, i) +
          this.fieldWeight(this.swap.s, scratch[this.swap.s]!, i);
        applyNameSwap(this.fields, scratch, 0, i, j);
        w +=
          this.fieldWeight(this.swap.g, scratch[this.swap.g]!, i) +
          this.fieldWeight(this.swap.s, scratch[this.swap.s]!, i) -
          before;
      }
    }
    return w;
  }

  private swap: { g: number; s: number; after: number } | undefined;
  private rows: Int32Array | undefined;

  /**
   * Every record's value ids, record after record: scoring a pair reads all of a record's fields from one or two
   * cache lines instead of one line per field (at a million records, each a miss).
   */
  valueIdRows(): Int32Array {
    if (this.rows) return this.rows;
    const F = this.F;
    const n = this.ids[0]?.length ?? 0;
    const rows = new Int32Array(n * F);
    for (let k = 0; k < F; k++) {
      const ids = this.ids[k]!;
      for (let i = 0; i < n; i++) rows[i * F + k] = ids[i]!;
    }
    return (this.rows = rows);
  }

  /** Field order for pruning (cheap comparisons first) and the most the fields after each step can add. */
  pruningPlan(): { order: number[]; remainingMax: number[] } {
    const cost: Record<string, number> = {
      date: 0,
      postcode: 1,
      identifier: 1,
      region: 1,
      domain: 1,
      phone: 2,
      givenName: 3,
      familyName: 3,
      email: 4,
      city: 4,
      number: 4,
      fullName: 5,
      text: 6,
      address: 7,
      companyName: 8,
    };
    const order = this.fields
      .map((_, k) => k)
      .sort((a, b) => (cost[this.fields[a]!.prepared.kind] ?? 9) - (cost[this.fields[b]!.prepared.kind] ?? 9) || a - b);
    const g = this.fields.findIndex((f) => f.prepared.kind === 'givenName');
    const s = this.fields.findIndex((f) => f.prepared.kind === 'familyName');
    this.swap = g >= 0 && s >= 0 ? { g, s, after: Math.max(order.indexOf(g), order.indexOf(s)) } : undefined;
    const remainingMax = new Array<number>(order.length).fill(0);
    let acc = 0;
    for (let x = order.length - 1; x >= 0; x--) {
      acc += this.maxFieldWeight(order[x]!);
      remainingMax[x] = acc;
    }
    if (this.swap) {
      // Until the swap is checked, a name already counted as "different" may still rise to "very similar".
      const lift = (k: number) => this.maxFieldWeight(k) - Math.min(...this.model.fields[k]!.weights);
      const slack = lift(g) + lift(s);
      for (let x = 0; x <= this.swap.after; x++) remainingMax[x]! += slack;
    }
    return { order, remainingMax };
  }

  probabilityOf(i: number, j: number): number {
    return probability(this.weight(this.levelsOf(i, j), 0, i));
  }
}

export function probability(weight: number): number {
  return 1 / (1 + Math.pow(2, -weight));
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * First and last name typed into each other's columns: when crossing them agrees, count both as very similar
 * rather than as two disagreements.
 */
export function applyNameSwap(
  fields: readonly ComparedField[],
  levels: Int8Array,
  offset: number,
  i: number,
  j: number,
): void {
  const g = fields.findIndex((f) => f.prepared.kind === 'givenName');
  const s = fields.findIndex((f) => f.prepared.kind === 'familyName');
  if (g < 0 || s < 0) return;
  const lg = levels[offset + g]!;
  const ls = levels[offset + s]!;
  if (lg <= 1 && ls <= 1) return;
  const gv = fields[g]!.prepared.values;
  const sv = fields[s]!.prepared.values;
  const gi = gv[i];
  const si = sv[i];
  const gj = gv[j];
  const sj = sv[j];
  if (!gi || !si || !gj || !sj) return;
  // One crossing exact and the other close, or both close: a swap, not two different names.
  const x = jaroWinklerAbove(gi, sj, 0.8);
  if (x < 0.8) return;
  const y = jaroWinklerAbove(si, gj, 0.8);
  if (y >= 0.8 && x + y >= 1.8) {
    levels[offset + g] = Math.min(lg, 2);
    levels[offset + s] = Math.min(ls, 1);
  }
}
