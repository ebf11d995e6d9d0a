import type { Command } from 'commander';
import { lookupByLegacyId, LookupInputSchema, notFoundMessage, type LookupResult } from '../../core/reconcile/lookup';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table } from '../output';

function render(result: LookupResult): string {
  const lines = [
    `${result.object} ${result.legacyId}: ${result.found ? result.status : 'not found'}` +
      (result.matchConfidence !== null ? ` (confidence ${result.matchConfidence})` : ''),
  ];
  if (result.targetIds.length)
    lines.push(`target record${result.targetIds.length > 1 ? 's' : ''}: ${result.targetIds.join(', ')}`);
  for (const note of result.notes) lines.push(`note: ${note}`);
  const updates = Object.entries(result.propertiesToUpdate ?? {});
  if (result.status === 'matched') {
    if (updates.length === 0) lines.push('pending updates: none — the target agrees with the export');
    else {
      const current = result.targetRecords[0]?.properties ?? {};
      lines.push(
        'pending updates:',
        table(
          ['property', 'target now', 'export says'],
          updates.map(([k, v]) => [k, current[k] ?? null, v]),
        ),
      );
    }
  } else if (result.status === 'fuzzy_match' && updates.length) {
    const current = result.targetRecords[0]?.properties ?? {};
    lines.push(
      'updates once the link is confirmed:',
      table(
        ['property', 'target now', 'export says'],
        updates.map(([k, v]) => [k, current[k] ?? null, v]),
      ),
    );
  } else if (result.status === 'new' && updates.length) {
    lines.push(
      'to create:',
      table(
        ['property', 'value'],
        updates.map(([k, v]) => [k, v]),
      ),
    );
  }
  for (const q of result.quarantine)
    lines.push(
      `quarantined: ${q.source}${q.line ? ` line ${q.line}` : ''}${q.field ? ` ${q.field}` : ''}: ${q.reason}`,
    );
  return lines.join('\n');
}

export const lookupAction = async (opts: { object: string; legacyId: string }, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const input = LookupInputSchema.parse({ object: opts.object, legacyId: opts.legacyId });
    const result = await withDatabase(global, (db, mapping) => lookupByLegacyId(db, mapping, input));
    // Not found is an answer, but not the one asked for: exit 3 and ok: false, so scripts can branch on it.
    emit(global, result, render, result.found ? undefined : { kind: 'input', message: notFoundMessage(result) });
  } catch (error) {
    fail(error, global);
  }
};
