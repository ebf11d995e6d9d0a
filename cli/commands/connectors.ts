import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerConnectorCommands(program: Command): void {
  program
    .command('describe')
    .description(
      "List an object's fields in a CRM: name, label, type, options, and which are required, unique or read-only",
    )
    .requiredOption('--from <crm>', 'salesforce, hubspot, pipedrive or dynamics')
    .requiredOption('--object <object>', 'object, e.g. Account, companies, persons, account')
    .option('--connections <file>', 'connections file (JSON); the environment fills what it leaves out')
    .action(lazyAction(async () => (await import('../actions/connectors.js')).describeAction));

  program
    .command('read')
    .description('Read records from a CRM as JSON lines (incrementally with --since)')
    .requiredOption('--from <crm>', 'salesforce, hubspot, pipedrive or dynamics')
    .requiredOption('--object <object>', 'object, e.g. Account, Contact, Loan__c, account')
    .option('--since <cursor>', 'only records changed after this cursor or ISO time (the cursor is printed at the end)')
    .option('--properties <list>', 'comma-separated properties (default: all)')
    .option('--limit <n>', 'stop after this many records', (v) => Number.parseInt(v, 10))
    .option('--connections <file>', 'connections file (JSON); the environment fills what it leaves out')
    .action(lazyAction(async () => (await import('../actions/connectors.js')).readAction));

  program
    .command('upsert')
    .description('Create or update records in a CRM by an external-ID field, with a result per record')
    .requiredOption('--to <crm>', 'salesforce, hubspot, pipedrive or dynamics')
    .requiredOption('--object <object>', 'object, e.g. Account, Loan__c, account')
    .requiredOption('--key <field>', 'external-ID field that identifies each record')
    .requiredOption('--input <file>', 'records as CSV (with a header row) or JSON lines (.jsonl)')
    .option('--connections <file>', 'connections file (JSON); the environment fills what it leaves out')
    .action(lazyAction(async () => (await import('../actions/connectors.js')).upsertAction));
}
