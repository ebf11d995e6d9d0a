import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerMirror(program: Command): void {
  program
    .command('mirror')
    .description(
      'Bring the Postgres mirror of HubSpot (what reconcile compares the export with) up to date: the first run copies everything, later runs what changed, records archived in HubSpot leave the mirror',
    )
    .requiredOption('--from <crm>', 'the CRM to mirror (hubspot)')
    .option('--object <object...>', 'objects of the mapping to refresh (default: all of them)')
    .option(
      '--full',
      'read everything again and check every mirrored row, instead of only what changed since the last refresh',
    )
    .option('--dry-run', 'plan only: what the refresh would write; no table is created, nothing is written')
    .option('--plan-limit <n>', 'plan lines to keep with --dry-run (default 1000)', (v) => Number.parseInt(v, 10))
    .option('--connections <file>', 'connections file (JSON); the environment fills what it leaves out')
    .action(lazyAction(async () => (await import('../actions/mirror.js')).mirrorAction));
}
