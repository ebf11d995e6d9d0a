import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description(
      "Run a sync job: read what changed since each stream's cursor, write it to the target (or --dry-run to plan)",
    )
    .requiredOption('--job <file>', 'sync job (JSON): source, target, streams, mapping, filters')
    .option(
      '--dry-run',
      'plan only: creates, updates field by field (old -> new), skips and deferrals; nothing is written',
    )
    .option(
      '--full',
      'read every source record from the beginning (not from the cursors) and check every linked record in the target: lost ones are created again, changed ones put back',
    )
    .option('--stream <name...>', 'only these streams')
    .option(
      '--allow-mass-delete',
      "let deletes through where a stream would delete more than its maxDeleteShare of its linked records (check the plan's deletes first)",
    )
    .option('--plan-limit <n>', 'plan lines to keep (default 1000 for --dry-run)', (v) => Number.parseInt(v, 10))
    .option('--watch', 'run again every schedule.everySeconds (or --every) until stopped (SIGINT/SIGTERM)')
    .option('--every <seconds>', 'seconds between runs with --watch', (v) => Number.parseInt(v, 10))
    .option('--connections <file>', 'connections file (JSON); the environment fills what it leaves out')
    .action(lazyAction(async () => (await import('../actions/sync.js')).syncAction));

  program
    .command('sync-status')
    .description(
      'Where each stream of a sync job stands: cursor, records linked, records waiting, last runs, audit counts',
    )
    .requiredOption('--job <file>', 'sync job (JSON)')
    .action(lazyAction(async () => (await import('../actions/sync.js')).syncStatusAction));
}
