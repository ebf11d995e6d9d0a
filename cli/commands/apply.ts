import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description(
      'Send what reconcile staged (and review decided) to the CRM: creates, updates, approved links; --dry-run shows the plan',
    )
    .requiredOption('--to <crm>', 'the CRM the mirror is of (hubspot)')
    .option(
      '--object <object...>',
      'objects to apply, parents first whatever the order given (default: every object of the mapping)',
    )
    .option('--dry-run', 'plan only: creates, updates old -> new, links, and what is held back; nothing is written')
    .option('--limit <n>', 'write at most this many records per object in this run', (v) => Number.parseInt(v, 10))
    .option('--plan-limit <n>', 'plan lines to keep with --dry-run (default 1000)', (v) => Number.parseInt(v, 10))
    .option('--connections <file>', 'connections file (JSON); the environment fills what it leaves out')
    .action(lazyAction(async () => (await import('../actions/apply.js')).applyAction));
}
