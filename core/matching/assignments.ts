import type { DedupeResult } from './result';

export interface ClusterAssignment {
  id: string;
  /** The surviving record's ID for a record in a group; the record's own ID when it matched nothing. */
  clusterId: string;
  /** The weakest link that joined the group (0-100); null for a record on its own. */
  confidence: number | null;
  decision: 'auto-merge' | 'review' | null;
  survivor: boolean;
}

/** One row per input record, in input order: which entity it belongs to and how sure that is. */
export function clusterAssignments(result: DedupeResult, ids: readonly string[]): ClusterAssignment[] {
  const byRecord = new Map<string, DedupeResult['clusters'][number]>();
  for (const cluster of result.clusters) for (const id of cluster.records) byRecord.set(id, cluster);
  return ids.map((id) => {
    const cluster = byRecord.get(id);
    if (!cluster) return { id, clusterId: id, confidence: null, decision: null, survivor: true };
    return {
      id,
      clusterId: cluster.survivor,
      confidence: cluster.minConfidence,
      decision: cluster.decision,
      survivor: cluster.survivor === id,
    };
  });
}
