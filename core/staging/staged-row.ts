import type { Value } from '../connectors/connector';

/** A row of `staging.<object>` as review and apply read it (the stored column names). */
export interface StagedRow {
  legacy_id: string;
  status: string;
  target_id: string | null;
  target_ids: string[];
  match_confidence: number | null;
  legacy_properties: Record<string, string | null> | null;
  properties_to_update: Record<string, Value> | null;
  notes: string[];
}

const COLUMNS = [
  'legacy_id',
  'status',
  'target_id',
  'target_ids',
  'match_confidence',
  'legacy_properties',
  'properties_to_update',
  'notes',
] as const;

/** The SELECT list of a `StagedRow`, each column prefixed with `alias.` when given. */
export const stagedColumns = (alias?: string): string => COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

/** The target records a row names: every record carrying the legacy ID for a conflict, else its match, if any. */
export const candidateTargets = (row: Pick<StagedRow, 'status' | 'target_id' | 'target_ids'>): string[] =>
  row.status === 'conflict' ? row.target_ids : row.target_id ? [row.target_id] : [];
