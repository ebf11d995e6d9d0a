import type { Command } from 'commander';
import { EXIT } from '../../core/errors';
import { lazyAction } from '../lazy-action';

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('Reconcile one object of a legacy export against the CRM mirror into staging.<object>')
    .requiredOption(
      '--object <object>',
      'object to reconcile (companies, contacts, deals, engagements, or one from --mapping)',
    )
    .requiredOption('--legacy <path>', 'folder of the legacy export (one CSV per table) or a single CSV file')
    .option('--batch-size <n>', 'rows per database statement', (v) => Number.parseInt(v, 10))
    .option('--no-fuzzy', 'leave records without a legacy ID match "new" instead of linking them by resemblance')
    .option('--fail-on-quarantine', `exit with ${EXIT.quarantined} when any row was quarantined`)
    .option(
      '--accept-shrink',
      `reconcile an export with no readable row or far fewer rows than the last successful run (otherwise refused with exit ${EXIT.input}, staging untouched)`,
    )
    .option(
      '--shrink-threshold <fraction>',
      'refuse an export with fewer readable rows than this fraction of the last successful run (default 0.5)',
      Number.parseFloat,
    )
    .action(lazyAction(async () => (await import('../actions/reconcile.js')).reconcileAction));
}
