/**
 * The messages between the matching engine and its second thread (core/matching/worker.ts): requests one way, and
 * the reply each of them gets, in order. A request that fails is answered with a WorkerFailure instead.
 */
import type { BlockingOptions, RuleStat } from './block';
import type { FieldConfig } from './config';
import type { IdCheck, RowRejection } from './input';
import type { MatchModel } from './model';
import type { LeanField, PrepareOptions, RowSegment } from './prepare';

export interface FieldJob {
  index: number;
  field: FieldConfig;
  /** Per segment, the cells of the field's columns. */
  segments: RowSegment[];
}

export type WorkerRequest =
  /** Starts a preparation: `jobs` fields follow one message each, so that this thread starts on the first at once. */
  | { type: 'prepare'; options: PrepareOptions; jobs: number; idChecks: IdCheck[]; rows: number }
  | { type: 'field'; job: FieldJob }
  /** The other thread's fields, and the rows kept when some were set aside (this thread's fields keep only those). */
  | { type: 'fields'; options: PrepareOptions; fields: Array<{ index: number; lean: LeanField }>; keep?: Int32Array }
  | { type: 'block'; counter: SharedArrayBuffer; size: number; options: BlockingOptions; side?: Uint8Array }
  /** u from this many random pairs (uFromRandomPairs), of the records the last 'block' message named. */
  | { type: 'u'; count: number; seed: number }
  /** Weights of the pairs, and whether each agrees on an identifying value, written into shared memory. */
  | {
      type: 'score';
      model: MatchModel;
      left: Int32Array;
      right: Int32Array;
      review: number;
      weights: Float64Array;
      identified: Uint8Array;
    };

/** The answer to the last 'field' of a 'prepare' (or to a 'prepare' of no fields): the worker's prepared fields. */
export interface PreparedReply {
  fields: Array<{ index: number; lean: LeanField }>;
  rejections: RowRejection[];
}

/** The answer to 'block': the worker's rule statistics and its candidate pairs, sorted and without repeats. */
export interface BlockReply {
  stats: Array<{ index: number; stat: RuleStat }>;
  pairs: Float64Array;
}

/** The answer to 'u': u per field and level. */
export type UReply = number[][];

/** The answer to 'score': the weights are in shared memory already. */
export type ScoreReply = null;

/** Any reply but a failure (the waiting side throws on those). */
export type WorkerReply = PreparedReply | BlockReply | UReply | ScoreReply;

export interface WorkerFailure {
  error: string;
}
