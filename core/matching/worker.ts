/** The matching engine's second thread: prepares the fields it is given, then scores its share of the candidate pairs. */
import type { MessagePort } from 'node:worker_threads';
import { BlockingScratch, claimRulePairs, distinctSorted } from './block';
import { blockingRules, recordOrder } from './block-rules';
import { comparatorFor } from './compare/field-comparators';
import { uFromRandomPairs, weighPairs } from './engine';
import type { ComparedField } from './model';
import { checkIds, type RowRejection } from './input';
import {
  fromLean,
  keepRows,
  leanField,
  makeNormalisers,
  prepareField,
  type LeanField,
  type Normalisers,
  type PreparedField,
} from './prepare';
import { PairScorer } from './score';
import type { BlockReply, PreparedReply, ScoreReply, UReply, WorkerFailure, WorkerRequest } from './worker-protocol';

export function start({ port, signal: shared }: { port: MessagePort; signal: SharedArrayBuffer }): void {
  const signal = new Int32Array(shared);
  const fields: PreparedField[] = [];
  let preparing:
    | {
        normalisers: Normalisers;
        left: number;
        rejections: RowRejection[];
        out: Array<{ index: number; lean: LeanField }>;
      }
    | undefined;
  let compared: ComparedField[] | undefined;
  let scratch: BlockingScratch | undefined;
  /** The records of the current run, as the last 'block' message gave them. */
  let records: { size: number; side?: Uint8Array } | undefined;
  // Built once every field is here; comparators remember levels per pair of values, so they are worth keeping.
  const comparedFields = () =>
    (compared ??= fields.map((prepared) => ({ prepared, comparator: comparatorFor(prepared) })));
  const reply = (
    message: PreparedReply | BlockReply | UReply | ScoreReply | WorkerFailure,
    transfer: ArrayBuffer[] = [],
  ) => {
    port.postMessage(message, transfer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  port.on('message', (m: WorkerRequest) => {
    try {
      if (m.type === 'prepare') {
        // The IDs are checked while the first field is still on its way.
        const rejections: RowRejection[] = [];
        for (const c of m.idChecks) checkIds(c, rejections);
        preparing = { normalisers: makeNormalisers(m.options), left: m.jobs, rejections, out: [] };
        // Allocated ahead, as the other thread does (see prepareRows).
        scratch = new BlockingScratch(m.rows);
        if (preparing.left === 0) reply({ fields: [], rejections });
      } else if (m.type === 'field') {
        const p = preparing!;
        const prepared = prepareField(m.job.field, m.job.segments, p.normalisers, p.rejections);
        fields[m.job.index] = prepared;
        p.out.push({ index: m.job.index, lean: leanField(prepared) });
        if (--p.left === 0) {
          reply({ fields: p.out, rejections: p.rejections });
          preparing = undefined;
        }
      } else if (m.type === 'fields') {
        const normalisers = makeNormalisers(m.options);
        if (m.keep) fields.forEach((f, k) => (fields[k] = keepRows(f, m.keep!)));
        for (const f of m.fields) fields[f.index] = fromLean(f.lean, normalisers);
      } else if (m.type === 'block') {
        records = { size: m.size, ...(m.side ? { side: m.side } : {}) };
        const lists = scratch ?? new BlockingScratch(m.size);
        scratch = undefined;
        const stats = claimRulePairs(
          blockingRules(fields),
          new Int32Array(m.counter),
          m.size,
          m.options,
          recordOrder(fields),
          lists,
          m.side,
        );
        // Sorted, without repeats, and copied out of the list's larger buffer: what the other thread receives counts
        // against its garbage collector's external-memory budget (see prepareRows).
        const pairs = distinctSorted(lists.pairs.view().sort()).slice();
        reply({ stats, pairs }, [pairs.buffer as ArrayBuffer]);
        // The other thread now merges the pairs: derive words and tails for scoring meanwhile.
        comparedFields();
      } else if (m.type === 'u') {
        reply(uFromRandomPairs(comparedFields(), records!.size, m.count, m.seed, records!.side));
      } else {
        weighPairs(new PairScorer(comparedFields(), m.model), m.left, m.right, m.review, m.weights, m.identified);
        reply(null);
      }
    } catch (e) {
      reply({ error: String((e as Error)?.stack ?? e) });
    }
  });
}
