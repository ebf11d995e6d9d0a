/** The matching engine's second thread: prepares the fields it is given, then scores its share of the candidate pairs. */
import type { MessagePort } from 'node:worker_threads';
import { BlockingScratch, blockingRules, claimRulePairs, recordOrder, type BlockingOptions } from './block';
import { comparatorFor } from './compare/field-comparators';
import type { FieldConfig } from './config';
import { levelsFor, weighPairs } from './engine';
import type { ComparedField, MatchModel } from './model';
import { fromLean, leanField, makeNormalisers, prepareField, type LeanField, type PrepareOptions, type PreparedField, type RowSegment } from './prepare';
import { PairScorer } from './score';

export interface FieldJob {
  index: number;
  field: FieldConfig;
  /** Per segment, the cells of the field's columns. */
  segments: RowSegment[];
}

export type WorkerRequest =
  | { type: 'prepare'; options: PrepareOptions; jobs: FieldJob[] }
  | { type: 'fields'; options: PrepareOptions; fields: Array<{ index: number; lean: LeanField }> }
  | { type: 'block'; counter: SharedArrayBuffer; size: number; options: BlockingOptions; side?: Uint8Array }
  | { type: 'levels'; left: Int32Array; right: Int32Array }
  | { type: 'score'; model: MatchModel; left: Int32Array; right: Int32Array; review: number };

export function start(port: MessagePort, signal: Int32Array): void {
  const fields: PreparedField[] = [];
  let compared: ComparedField[] | undefined;
  // Built once every field is here; comparators remember levels per pair of values, so they are worth keeping.
  const comparedFields = () => (compared ??= fields.map((prepared) => ({ prepared, comparator: comparatorFor(prepared) })));
  const reply = (message: unknown, transfer: ArrayBuffer[] = []) => {
    port.postMessage(message, transfer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  port.on('message', (m: WorkerRequest) => {
    try {
      if (m.type === 'prepare') {
        const normalisers = makeNormalisers(m.options);
        const out = m.jobs.map((job) => {
          const prepared = prepareField(job.field, job.segments, normalisers);
          fields[job.index] = prepared;
          return { index: job.index, lean: leanField(prepared) };
        });
        reply(out);
      } else if (m.type === 'fields') {
        const normalisers = makeNormalisers(m.options);
        for (const f of m.fields) fields[f.index] = fromLean(f.lean, normalisers);
      } else if (m.type === 'block') {
        const scratch = new BlockingScratch(m.size);
        const stats = claimRulePairs(blockingRules(fields), new Int32Array(m.counter), m.size, m.options, recordOrder(fields), scratch, m.side);
        const pairs = scratch.pairs.view();
        reply({ stats, pairs }, [pairs.buffer as ArrayBuffer]);
        // The other thread now merges the pairs: derive words and tails for scoring meanwhile.
        comparedFields();
      } else if (m.type === 'levels') {
        const levels = levelsFor(comparedFields(), m.left, m.right);
        reply(levels, [levels.buffer as ArrayBuffer]);
      } else {
        const weights = weighPairs(new PairScorer(comparedFields(), m.model), m.left, m.right, m.review);
        reply(weights, [weights.buffer as ArrayBuffer]);
      }
    } catch (e) {
      reply({ error: String((e as Error)?.stack ?? e) });
    }
  });
}
