/**
 * npm run bench -- --only connectors [--hubspot-records 100000] [--salesforce-records 100000] [--pipedrive-records 100000] [--dynamics-records 100000] [--skip hubspot,salesforce,pipedrive,dynamics (any of them)]
 *
 * Upserts records to the local emulators through the real connectors, at each emulator's published limit, and prints
 * records/s, the ratio to the limit's theoretical maximum, 429s (from the emulator), retries, and lost / duplicated
 * records (the emulator's store against the input, record by record). Baselines are measured in the same run. A fault
 * scenario per CRM shows whether anything is lost.
 *
 * HubSpot runs 100,000 records (its emulator indexes records by each unique property; scenarios in ./hubspot.ts).
 * Salesforce runs 100,000 records through sObject Collections and Bulk API 2.0 (its emulator indexes records by Id,
 * external ID and SystemModstamp; scenarios in ./salesforce.ts).
 * Pipedrive runs 100,000 records at 2,400 tokens per 2 s (its emulator indexes custom field values; ./pipedrive.ts).
 * Dynamics runs 100,000 records in $batch requests at Microsoft's service protection limit (./dynamics.ts).
 */
import { hubspotBench } from './hubspot';
import { salesforceBench } from './salesforce';
import { pipedriveBench } from './pipedrive';
import { dynamicsBench } from './dynamics';
import { printRows, type BenchRow } from './rows';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const SKIP = new Set(arg('skip', '').split(',').filter(Boolean));

const rows: BenchRow[] = [];
const notes: string[] = [];

async function main(): Promise<void> {
  console.log(`Connector upserts against the local emulators (node ${process.version})\n`);
  if (!SKIP.has('hubspot')) {
    // HubSpot runs 100,000 records (--hubspot-records) at 100 and 190 req/10 s: see bench/connectors/hubspot.ts.
    const hubspot = await hubspotBench(Number(arg('hubspot-records', '100000')));
    rows.push(...hubspot.rows);
    notes.push(...hubspot.notes);
  }
  if (!SKIP.has('salesforce')) {
    // Salesforce runs 100,000 records (--salesforce-records) through Collections and Bulk API 2.0: see bench/connectors/salesforce.ts.
    const salesforce = await salesforceBench(Number(arg('salesforce-records', '100000')));
    rows.push(...salesforce.rows);
    notes.push(...salesforce.notes);
  }
  if (!SKIP.has('pipedrive')) {
    // Pipedrive runs 100,000 records (--pipedrive-records) at 2,400 tokens/2 s, signed in by OAuth: see bench/connectors/pipedrive.ts.
    const pipedrive = await pipedriveBench(Number(arg('pipedrive-records', '100000')));
    rows.push(...pipedrive.rows);
    notes.push(...pipedrive.notes);
  }
  if (!SKIP.has('dynamics')) {
    // Dynamics runs 100,000 records (--dynamics-records) at 6,000 requests per 300 s: see bench/connectors/dynamics.ts.
    const dynamics = await dynamicsBench(Number(arg('dynamics-records', '100000')));
    rows.push(...dynamics.rows);
    notes.push(...dynamics.notes);
  }
  printRows(rows, notes);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
