/** What the example generator is asked for and what it reports. */
import type { ExampleObject } from './objects';

export type RecordStatus = 'matched' | 'fuzzy_match' | 'new' | 'conflict' | 'orphan';
export type QuarantineKind = 'too_many_fields' | 'too_few_fields' | 'missing_id' | 'duplicate_id';

export interface GenerateExampleOptions {
  seed: number;
  outDir: string;
  companies: number;
  /** Average persons per company (default 1.5). */
  personsPerCompany?: number;
  /** Average opportunities per company (default 1.25). */
  opportunitiesPerCompany?: number;
  /** Average communications per company (default 2). */
  communicationsPerCompany?: number;
  /** Tables to write (default all four). */
  objects?: ExampleObject[];
  /** `counts` leaves the per-record answer key out of truth.json (for very large runs). */
  truth?: 'full' | 'counts';
  /** Called every 10,000 legacy records and at the end of each table. */
  onProgress?(object: ExampleObject, records: number): void;
}

export interface QuarantinedRow {
  line: number;
  legacyId: string | null;
  kind: QuarantineKind;
}

export interface ObjectSummary {
  file: string;
  mirrorFile: string;
  dataRecords: number;
  statuses: Record<RecordStatus, number>;
  unlinkedTargets: number;
  mirrorRows: number;
  quarantinedCount: number;
  fieldIssueCount: number;
  duplicateCount: number;
}

export interface GenerateExampleResult {
  outDir: string;
  truthFile: string;
  files: Array<{ path: string; bytes: number }>;
  objects: Partial<Record<ExampleObject, ObjectSummary>>;
}
