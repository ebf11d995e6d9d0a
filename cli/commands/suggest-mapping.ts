import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerSuggestMapping(program: Command): void {
  program
    .command('suggest-mapping')
    .description('Suggest which target field each source field maps to, one-to-one, with confidence and reasons')
    .option(
      '--source-schema <file>',
      'source object schema (JSON: { object, idField, fields: [{ name, type, label?, sample? }] })',
    )
    .option('--target-schema <file>', 'target object schema (same shape)')
    .option('--legacy <path>', 'or: folder of a legacy export (or one CSV file) ...')
    .option('--legacy-table <name>', '... and its table, e.g. Company')
    .option('--legacy-id <column>', '... and its ID column (default: the first column)')
    .option('--target-table <name>', '... against this table of the CRM mirror, e.g. companies')
    .option('--mirror-schema <name>', 'Postgres schema of the CRM mirror', 'hubspot')
    .option('--threshold <n>', 'below this confidence a field gets "no match" (0-100, default 50)', (v) => Number(v))
    .action(lazyAction(async () => (await import('../actions/suggest-mapping.js')).suggestMappingAction));
}
