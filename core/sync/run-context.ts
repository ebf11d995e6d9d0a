import type { Connector, SourceRecord, UpsertResult } from '../connectors/connector';
import type { Sql } from '../db/sql';
import type { PropertyMapper } from '../mapping/object-mapper';
import type { Stream, SyncJob } from './job';
import type { ProblemTally, StreamCounts } from './outcome';
import type { PlanEntry, RecordPlan } from './plan';
import type { SyncedRecord, Values } from './store';

/** What every stream of one run shares. */
export interface RunContext {
  job: SyncJob;
  source: Connector;
  target: Connector;
  runId: string;
  dryRun: boolean;
  /** Read every source record from the beginning (not from the cursor), so every linked record is verified. */
  full: boolean;
  /** The one connection of this stream run: its lock, its transactions. */
  sql: Sql;
  /** Plan lines kept (the rest are counted): a dry run of a million changes must not hold a million lines. */
  planLimit: number;
  plan: PlanEntry[];
  planOmitted: { count: number };
  /** Lets deletions through the mass-delete guard (a stream's `maxDeleteShare`). */
  allowMassDelete?: boolean;
  signal?: AbortSignal;
  onBatch?: (stream: string, counts: StreamCounts) => void;
}

/** A source record and the target values its mapping gives. */
export interface Prepared {
  record: SourceRecord;
  desired: Values;
}

/** One record's decision: what is sent, and why when the target (not the source) made it necessary. */
export interface Decision {
  p: Prepared;
  before: SyncedRecord | undefined;
  plan: RecordPlan;
  /** The target no longer had the record the engine wrote: it is created again. */
  recreate?: boolean;
  /** The target's values had drifted from what the engine wrote: they are put back. */
  repair?: boolean;
  reason?: string;
}

/**
 * `cursor`: where the stream resumes once the batch is committed. `forced`: records fetched because another stream
 * points at them, synced even when the stream only syncs referenced records. `reread`: IDs read again from the
 * look-back window.
 */
export interface BatchOptions {
  cursor?: string;
  forced?: boolean;
  retry?: boolean;
  reread?: Set<string>;
}

/** One upsert's answer per record key. */
export type WriteResults = Map<string, UpsertResult>;

/**
 * One stream of a run, as the steps around it (references, the reverse pass, the unchanged check, settling) see it.
 * Declared apart from its class so that those steps and the runner do not import each other.
 */
export interface StreamRun {
  readonly ctx: RunContext;
  readonly stream: Stream;
  readonly runners: Map<string, StreamRun>;
  readonly counts: StreamCounts;
  readonly problems: ProblemTally;
  readonly mapper: PropertyMapper;
  readonly allowBlank: boolean;
  readonly sourceFields: string[];
  comparableFields(): Promise<string[]>;
  processBatch(records: SourceRecord[], options: BatchOptions): Promise<void>;
  write(inputs: Array<{ key: string; properties: Values }>): Promise<WriteResults>;
  note(entry: PlanEntry): void;
}
