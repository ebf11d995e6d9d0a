import os from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors';
import { decideReviewItems, listReviewItems } from '../../core/review/review';
import type { DecideResult, ReviewItem, ReviewList } from '../../core/review/schemas';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table } from '../output';

interface ReviewOptions {
  object: string;
  kind: 'fuzzy_match' | 'conflict' | 'all';
  undecided?: boolean;
  limit: number;
  after?: string;
  approve?: string[];
  reject?: string[];
  choose?: string;
  legacyId?: string;
  by?: string;
  reason?: string;
}

function renderItem(item: ReviewItem): string {
  const head = `${item.legacyId}  ${item.status}${item.confidence !== null ? `  confidence ${item.confidence}` : ''}`;
  const decision = item.decision
    ? `decision: ${item.decision.decision}${item.decision.targetId ? ` ${item.decision.targetId}` : ''} by ${item.decision.decidedBy} at ${item.decision.decidedAt}${item.decision.reason ? ` (${item.decision.reason})` : ''}${item.decision.stale ? ' — STALE: the records changed since, decide again' : ''}`
    : 'decision: none yet';
  const ids = item.targets.map((t) => t.id);
  const rows = item.comparison
    .filter((c) => c.legacy !== null || ids.some((id) => c.targets[id] !== null))
    .map((c) => [c.property, c.legacy, ...ids.map((id) => c.targets[id] ?? null)]);
  return [
    head,
    ...item.reasons.map((r) => `  ${r}`),
    table(['property', 'export', ...ids.map((id) => `HubSpot ${id}`)], rows),
    decision,
  ].join('\n');
}

function renderList(list: ReviewList): string {
  const c = list.counts;
  const lines = [
    `${list.object}: ${c.fuzzyMatch} fuzzy match(es) and ${c.conflict} conflict(s) wait for review; ${c.decided} decided, ${c.stale} of them stale`,
  ];
  for (const item of list.items) lines.push('', renderItem(item));
  if (list.nextCursor) lines.push('', `more: --after ${list.nextCursor}`);
  return lines.join('\n');
}

function renderDecisions(result: DecideResult): string {
  const lines = result.decided.map((d) => `${d.legacyId}: ${d.decision}${d.targetId ? ` ${d.targetId}` : ''}`);
  for (const r of result.refused) lines.push(`${r.legacyId}: refused — ${r.reason}`);
  return lines.join('\n');
}

export const reviewAction = async (opts: ReviewOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const deciding = [opts.approve, opts.reject, opts.choose].filter((x) => x !== undefined).length;
    if (deciding > 1) throw new UsageError('give one of --approve, --reject or --choose');
    if (opts.choose !== undefined && !opts.legacyId)
      throw new UsageError('--choose needs --legacy-id: the conflict it settles');
    if (opts.legacyId && opts.choose === undefined) throw new UsageError('--legacy-id goes with --choose');
    await withDatabase(global, async (db, mapping) => {
      if (deciding === 0) {
        const list = await listReviewItems(db, mapping, {
          object: opts.object,
          kind: opts.kind,
          undecidedOnly: opts.undecided ?? false,
          limit: opts.limit,
          after: opts.after,
        });
        return emit(global, list, renderList);
      }
      const decision = opts.approve ? 'approve' : opts.reject ? 'reject' : 'choose';
      const result = await decideReviewItems(db, mapping, {
        object: opts.object,
        decision,
        legacyIds: opts.approve ?? opts.reject ?? [opts.legacyId!],
        targetId: opts.choose,
        decidedBy: opts.by ?? (process.env.USER || os.userInfo().username),
        reason: opts.reason,
      });
      emit(
        global,
        result,
        renderDecisions,
        result.refused.length
          ? {
              kind: 'partial',
              message: `${result.refused.length} of ${result.refused.length + result.decided.length} decision(s) refused: ${result.refused
                .slice(0, 3)
                .map((r) => r.reason)
                .join('; ')}`,
            }
          : undefined,
      );
    });
  } catch (error) {
    fail(error, global);
  }
};
