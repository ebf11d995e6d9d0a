import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Write one self-contained HTML page of the latest reconcile of every object: statuses, fuzzy confidence, drift, quarantine, apply, trend',
    )
    .requiredOption('--out <file.html>', 'where to write the page')
    .option('--object <object...>', 'only these objects (default: every object that has been reconciled)')
    .action(lazyAction(async () => (await import('../actions/report.js')).reportAction));
}
