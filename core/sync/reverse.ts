import type { Value } from '../connectors/connector';
import type { Stream, SyncJob } from './job';

/** One property that can flow back from the target to the source. */
export interface ReverseProperty {
  /** Target property (what the forward mapping writes). */
  target: string;
  /** Source field it came from. */
  source: string;
  /** Target value -> source value: value maps inverted, everything else passed as written. */
  toSource(value: Value): Value;
}

/**
 * The properties of a stream that can flow target -> source: those mapped from one source field. Templates (a name
 * made of two fields) and references cannot be split back, so they only flow forward. A value map is inverted; when
 * several source values map to one target value (Disbursed and Repaid -> won), the first one listed is written back,
 * which maps forward to the same target value, so it never bounces.
 */
export function reverseProperties(job: SyncJob, stream: Stream): ReverseProperty[] {
  const out: ReverseProperty[] = [];
  for (const p of stream.properties) {
    if (p.from === undefined) continue;
    const maps = p.transform.filter(
      (t): t is Extract<typeof t, { type: 'map' }> => typeof t !== 'string' && t.type === 'map',
    );
    const inverse = new Map<string, string>();
    for (const m of maps) {
      const table = m.values ?? job.valueMaps[m.ref!] ?? {};
      for (const [from, to] of Object.entries(table))
        if (to !== null && !inverse.has(to.toLowerCase())) inverse.set(to.toLowerCase(), from);
    }
    out.push({
      target: p.to,
      source: p.from,
      toSource: (value) => (value === null || maps.length === 0 ? value : (inverse.get(value.toLowerCase()) ?? value)),
    });
  }
  return out;
}
