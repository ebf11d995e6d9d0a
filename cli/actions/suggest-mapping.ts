import type { Command } from 'commander';
import { describeIssues, UsageError } from '../../core/errors';
import { readJsonFile } from '../../core/input-file';
import {
  ObjectSchemaSchema,
  suggestMappings,
  suggestForConnectedObjects,
  type SuggestResult,
} from '../../core/mapping/suggest';
import { withDatabase, type GlobalOptions } from '../context';
import { emit, fail, table } from '../output';

interface SuggestOptions {
  sourceSchema?: string;
  targetSchema?: string;
  legacy?: string;
  legacyTable?: string;
  legacyId?: string;
  targetTable?: string;
  mirrorSchema: string;
  threshold?: number;
}

/** A schema file, its problems one readable line each (`fields[2].name: …`), never zod's JSON. */
function readSchema(file: string) {
  const parsed = ObjectSchemaSchema.safeParse(readJsonFile(file, 'Schema file'));
  if (!parsed.success) throw new UsageError(describeIssues(`schema file ${file} is not valid`, parsed.error.issues));
  return parsed.data;
}

function render(result: SuggestResult): string {
  const rows = result.suggestions.map((s) => [
    s.source,
    s.target ?? '(no match)',
    s.target ? s.confidence : null,
    s.reasons.join('; '),
  ]);
  const unmatched = result.unmatchedTargets.length
    ? `\ntarget fields left unmapped: ${result.unmatchedTargets.join(', ')}`
    : '';
  const notes = (result.notes ?? []).map((n) => `\nnote: ${n}`).join('');
  return `${table([result.sourceObject, result.targetObject, 'confidence', 'why'], rows)}${unmatched}${notes}`;
}

export const suggestMappingAction = async (opts: SuggestOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const options = opts.threshold === undefined ? undefined : { threshold: opts.threshold };
    let result: SuggestResult;
    if (opts.sourceSchema || opts.targetSchema) {
      if (!opts.sourceSchema || !opts.targetSchema)
        throw new UsageError('give both --source-schema and --target-schema');
      result = suggestMappings(readSchema(opts.sourceSchema), readSchema(opts.targetSchema), undefined, options);
    } else {
      if (!opts.legacy || !opts.legacyTable || !opts.targetTable) {
        throw new UsageError(
          'give --source-schema and --target-schema, or --legacy, --legacy-table and --target-table',
        );
      }
      const input = {
        legacyPath: opts.legacy,
        legacyTable: opts.legacyTable,
        legacyIdColumn: opts.legacyId,
        targetTable: opts.targetTable,
        targetSchema: opts.mirrorSchema,
        options,
      };
      result = await withDatabase(global, (db) => suggestForConnectedObjects(db, input));
    }
    emit(global, result, render);
  } catch (error) {
    fail(error, global);
  }
};
