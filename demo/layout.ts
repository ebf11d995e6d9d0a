/** Record layout: how many children each company has, record statuses, legacy IDs and the quarantine plan. */
import { type ExampleObject, type ObjectDef } from './objects';
import { unitFor } from './random';
import { P_NEW, P_FUZZY, FUZZY_OBJECTS, P_CONFLICT } from './rates';
import type { QuarantineKind } from './types';

export function personsOf(seed: number, i: number, mean: number, stream: string): number {
  const base = Math.floor(mean);
  let k = base + (unitFor(seed, `${stream}:a`, i) < mean - base ? 1 : 0);
  const u = unitFor(seed, `${stream}:b`, i);
  if (u < 0.2 && k > 0) k -= 1;
  else if (u < 0.4 && k > 0) k += 1;
  return k;
}

export function statusOf(seed: number, object: ExampleObject, j: number): 'matched' | 'new' | 'conflict' | 'fuzzy' {
  const u = unitFor(seed, `status:${object}`, j);
  // Taken from the top of the range, so the new and conflict records stay those of earlier example data.
  if (FUZZY_OBJECTS.has(object) && u >= 1 - P_FUZZY) return 'fuzzy';
  return u < P_NEW ? 'new' : u < P_NEW + P_CONFLICT ? 'conflict' : 'matched';
}

/** Legacy IDs: record j owns the pair idBase + 2j and idBase + 2j + 1, one for itself, the other a "deleted" gap. */
export function legacyId(seed: number, def: ObjectDef, j: number, gap = false): string {
  const bit = unitFor(seed, `idbit:${def.object}`, j) < 0.5 ? 0 : 1;
  return String(def.idBase + 2 * j + (gap ? 1 - bit : bit));
}

export interface QuarantinePlan {
  at: Map<number, Array<{ kind: QuarantineKind; firstOf?: number }>>;
}

export function planQuarantine(seed: number, object: ExampleObject, n: number): QuarantinePlan {
  const at = new Map<number, Array<{ kind: QuarantineKind; firstOf?: number }>>();
  const per = n >= 50 ? Math.max(2, Math.round(Math.sqrt(n) / 16)) : n >= 8 ? 1 : 0;
  const kinds: QuarantineKind[] = ['too_many_fields', 'too_few_fields', 'missing_id', 'duplicate_id'];
  const usedFirst = new Set<number>();
  for (const kind of kinds) {
    for (let k = 0; k < per; k++) {
      const u = unitFor(seed, `quarantine:${object}:${kind}`, k);
      const pos = Math.min(n - 1, Math.floor(((k + 0.1 + 0.8 * u) * n) / per));
      let firstOf: number | undefined;
      if (kind === 'duplicate_id') {
        // The ID repeated is that of an earlier record with no mirror record (status new): the first occurrence is kept.
        for (let j = pos; j >= 0 && j > pos - 20_000; j--) {
          if (!usedFirst.has(j) && statusOf(seed, object, j) === 'new') {
            firstOf = j;
            break;
          }
        }
        if (firstOf === undefined) continue;
        usedFirst.add(firstOf);
      }
      const list = at.get(pos) ?? [];
      list.push({ kind, firstOf });
      at.set(pos, list);
    }
  }
  return { at };
}

export interface Totals {
  companies: number;
  contacts: number;
  deals: number;
  engagements: number;
}

export interface Layout {
  seed: number;
  companies: number;
  personsPerCompany: number;
  opportunitiesPerCompany: number;
  communicationsPerCompany: number;
  totals: Totals;
}

export function childCounts(layout: Layout, i: number): { persons: number; deals: number; comms: number } {
  return {
    persons: personsOf(layout.seed, i, layout.personsPerCompany, 'persons'),
    deals: personsOf(layout.seed, i, layout.opportunitiesPerCompany, 'deals'),
    comms: personsOf(layout.seed, i, layout.communicationsPerCompany, 'comms'),
  };
}
