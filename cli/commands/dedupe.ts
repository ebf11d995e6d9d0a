import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

const matchOptions = (command: Command) =>
  command
    .requiredOption('--id-column <column>', "column holding each record's ID")
    .option('--preset <preset>', 'contacts or companies (default: recognised from the column names)')
    .option(
      '--fields <spec>',
      'fields to compare instead of a preset: given_name=Pers_FirstName,surname=Pers_LastName,email=Pers_EmailAddress (several columns: address=Street+Number), or a JSON file of { name, kind, columns }',
    )
    .option('--country <code>', 'default country for phone numbers, e.g. GB or US')
    .option('--output <file>', 'write the result as CSV here');

export function registerMatching(program: Command): void {
  matchOptions(
    program
      .command('dedupe')
      .description(
        'Find records of one file that are the same entity (fuzzy matching with blocking), with a confidence per group',
      ),
  )
    .requiredOption('--input <file>', 'CSV file of records')
    .action(lazyAction(async () => (await import('../actions/dedupe.js')).dedupeAction));

  matchOptions(
    program
      .command('link')
      .description(
        'Find the records of two files that are the same entity (record linkage), with a confidence per pair',
      ),
  )
    .requiredOption('--left <file>', 'CSV file of the first source')
    .requiredOption('--right <file>', 'CSV file of the second source')
    .action(lazyAction(async () => (await import('../actions/dedupe.js')).linkAction));
}
