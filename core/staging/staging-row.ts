import type { Value } from '../connectors/connector';

/** What reconcile found for a legacy record: the `status` column of `staging.<object>`. */
export const STATUSES = ['matched', 'fuzzy_match', 'new', 'conflict', 'orphan', 'unreadable_in_export'] as const;
export type Status = (typeof STATUSES)[number];

/** A row reconcile writes to `staging.<object>` (review and apply read it back as a StagedRow). */
export interface StagingRow {
  legacyId: string;
  targetId: string | null;
  targetIds: string[];
  status: Status;
  matchConfidence: number | null;
  legacyProperties: Record<string, Value> | null;
  propertiesToUpdate: Record<string, Value> | null;
  notes: string[];
  source: string | null;
  sourceLine: number | null;
}
