import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerLookup(program: Command): void {
  program
    .command('lookup')
    .description('Show the target record, staging status and pending updates of one legacy record')
    .requiredOption('--object <object>', 'object (companies, contacts, deals, engagements)')
    .requiredOption('--legacy-id <id>', 'ID of the record in the legacy CRM')
    .action(lazyAction(async () => (await import('../actions/lookup.js')).lookupAction));
}
