import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerReview(program: Command): void {
  program
    .command('review')
    .description(
      'List the fuzzy matches and conflicts that wait for a person, side by side; or record a decision (--approve, --reject, --choose)',
    )
    .requiredOption('--object <object>', 'object, as named in the mapping (companies, contacts, deals)')
    .option('--kind <kind>', 'fuzzy_match, conflict or all', 'all')
    .option('--undecided', 'only items without a decision that still holds')
    .option('--limit <n>', 'items per page', (v) => Number.parseInt(v, 10), 20)
    .option('--after <cursor>', 'the next page (printed at the end of a page)')
    .option(
      '--approve <legacyId...>',
      'confirm these fuzzy matches: apply writes the legacy ID onto the HubSpot record, then its values',
    )
    .option('--reject <legacyId...>', 'refuse these fuzzy matches: apply creates the record instead')
    .option(
      '--choose <targetId>',
      'with --legacy-id: the HubSpot record that survives a conflict (the others lose the legacy ID, never deleted)',
    )
    .option('--legacy-id <id>', 'the conflict --choose settles')
    .option('--by <name>', 'who decides (default: the login name)')
    .option('--reason <text>', 'why, kept with the decision')
    .action(lazyAction(async () => (await import('../actions/review.js')).reviewAction));
}
