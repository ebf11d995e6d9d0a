import type { ReadItem } from '../../connector';

/** A rejection, or a record without a readable time, goes out first rather than stalling the merge. */
function instantOf(item: ReadItem): number {
  const at = item.type === 'record' ? Date.parse(item.record.modifiedAt ?? '') : Number.NaN;
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
}
const idOf = (item: ReadItem): number => (item.type === 'record' ? Number(item.record.id) : 0);

/**
 * Several incremental reads, each oldest change first, as one read oldest change first. A caller keeps the last
 * record's `modified|id` as its cursor, so the merged order must be the cursor's order: by modified time, then by ID
 * within one instant. Each read gives an instant's records together (it is sorted by modified time) but not
 * necessarily by ID, so every read's records of the earliest instant are gathered and sorted before any is yielded.
 */
export async function* mergeByModified(
  reads: Array<AsyncIterable<ReadItem>>,
): AsyncGenerator<ReadItem, void, undefined> {
  const iterators = reads.map((r) => r[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((it) => it.next()));
  try {
    for (;;) {
      const live = heads.map((h, i) => [h, i] as const).filter(([h]) => !h.done);
      if (live.length === 0) return;
      const instant = Math.min(...live.map(([h]) => instantOf(h.value as ReadItem)));
      const group: ReadItem[] = [];
      for (const [, i] of live) {
        while (!heads[i]!.done && instantOf(heads[i]!.value as ReadItem) === instant) {
          group.push(heads[i]!.value as ReadItem);
          heads[i] = await iterators[i]!.next();
        }
      }
      group.sort((a, b) => idOf(a) - idOf(b));
      yield* group;
    }
  } finally {
    await Promise.all(iterators.map((it, i) => (heads[i]!.done ? undefined : it.return?.())));
  }
}
