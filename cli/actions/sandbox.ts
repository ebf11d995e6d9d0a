import type { Command } from 'commander';
import { DynamicsEmulator } from '../../sandbox/dynamics';
import { seedAccountsExample } from '../../sandbox/examples/accounts';
import { seedDynamicsExample } from '../../sandbox/examples/dynamics';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { seedLoanExample } from '../../sandbox/examples/loans';
import type { GlobalOptions } from '../context';
import { onPort, parsePort } from '../http-options';
import { fail } from '../output';
import { printJson } from '../print-json';

/** Starts one emulator, naming its port option when another process holds the port. */
const listen = (start: (port: number) => Promise<string>, port: number, option: string) =>
  onPort(start, port, option, 'another crm-bridge sandbox');

/** As typed (text), or commander's defaults (numbers). */
interface PortOptions {
  salesforcePort: string | number;
  hubspotPort: string | number;
  pipedrivePort: string | number;
  dynamicsPort: string | number;
}

export const sandboxAction = async (options: PortOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  const salesforce = new SalesforceEmulator();
  const hubspot = new HubSpotEmulator();
  const pipedrive = new PipedriveEmulator();
  const dynamics = new DynamicsEmulator();
  const all = [salesforce, hubspot, pipedrive, dynamics];
  try {
    // Every port checked before any emulator listens: a bad one is a usage mistake, not a half-started sandbox.
    const opts = {
      salesforcePort: parsePort(String(options.salesforcePort), '--salesforce-port'),
      hubspotPort: parsePort(String(options.hubspotPort), '--hubspot-port'),
      pipedrivePort: parsePort(String(options.pipedrivePort), '--pipedrive-port'),
      dynamicsPort: parsePort(String(options.dynamicsPort), '--dynamics-port'),
    };
    const url = await listen((p) => salesforce.start(p), opts.salesforcePort, '--salesforce-port');
    // The portal the shipped example's mirror was taken from, so the migration walkthrough (mirror, reconcile,
    // review, apply) runs against it.
    const portal = seedHubSpotPortal(hubspot, { objects: ['companies', 'contacts', 'deals', 'engagements'] });
    const hubspotUrl = await listen((p) => hubspot.start(p), opts.hubspotPort, '--hubspot-port');
    // Upserts need an external-ID field; Pipedrive has none built in, so the sandbox makes one per object.
    for (const object of ['persons', 'organizations', 'deals'] as const)
      pipedrive.store.addCustomField(object, 'Legacy ID', 'varchar');
    // The worked sync example (examples/sync/loans-to-pipedrive.json): loans, borrowers and two loan officers.
    const seeded = seedLoanExample(salesforce, pipedrive);
    const pipedriveUrl = await listen((p) => pipedrive.start(p), opts.pipedrivePort, '--pipedrive-port');
    const dynamicsSeed = seedDynamicsExample(dynamics);
    // The Salesforce <-> Dynamics example (examples/sync/salesforce-dynamics-accounts.json).
    const accountsSeed = seedAccountsExample(salesforce, dynamics);
    const dynamicsUrl = await listen((p) => dynamics.start(p), opts.dynamicsPort, '--dynamics-port');
    if (global.json)
      printJson({
        ok: true,
        result: {
          salesforce: url,
          hubspot: hubspotUrl,
          pipedrive: pipedriveUrl,
          dynamics: dynamicsUrl,
          seeded: {
            loans: seeded.loans.length,
            borrowers: seeded.contacts.length,
            hubspot: portal.records,
            dynamics: dynamicsSeed,
            salesforceAccounts: accountsSeed,
          },
        },
      });
    else
      process.stdout.write(
        [
          `Salesforce emulator on ${url} (REST v60.0; objects ${[...salesforce.store.objects.keys()].join(', ')})`,
          `HubSpot emulator on ${hubspotUrl} (CRM v3; any bearer token is accepted)`,
          `  seeded with the example's portal: ${Object.entries(portal.records)
            .map(([o, n]) => `${n} ${o}`)
            .join(', ')}`,
          `Pipedrive emulator on ${pipedriveUrl} (API v1/v2; any API token is accepted; custom field "Legacy ID" for upserts)`,
          `Dynamics 365 emulator on ${dynamicsUrl} (Web API v9.2; ${dynamicsSeed.accounts} accounts, ${dynamicsSeed.contacts} contacts; any client ID and secret sign in)`,
          `Seeded for the sync example: ${seeded.loans.length} loans (officer ${seeded.officerId} has ${seeded.loans.filter((_, i) => i % 3 !== 2).length}), ${seeded.contacts.length} borrowers`,
          `Seeded for the Salesforce <-> Dynamics example: ${accountsSeed.accounts} Salesforce accounts with ${accountsSeed.contacts} contacts; Dynamics account and contact have the new_salesforceid key`,
          'Point crm-bridge, n8n or the SDKs at them:',
          `  export SALESFORCE_INSTANCE_URL=${url}`,
          '  export SALESFORCE_CLIENT_ID=emulator-client SALESFORCE_CLIENT_SECRET=emulator-secret',
          `  export HUBSPOT_BASE_URL=${hubspotUrl} HUBSPOT_ACCESS_TOKEN=sandbox-token`,
          `  export PIPEDRIVE_BASE_URL=${pipedriveUrl} PIPEDRIVE_API_TOKEN=sandbox-token`,
          `  export DYNAMICS_URL=${dynamicsUrl} DYNAMICS_AUTHORITY_URL=${dynamicsUrl} DYNAMICS_TENANT_ID=sandbox`,
          '  export DYNAMICS_CLIENT_ID=sandbox-app DYNAMICS_CLIENT_SECRET=sandbox-secret',
          'Ctrl-C stops the emulators.',
          '',
        ].join('\n'),
      );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await Promise.all(all.map((e) => e.stop()));
  } catch (error) {
    // An emulator already listening would keep the process alive after the error.
    await Promise.allSettled(all.map((e) => e.stop()));
    fail(error, global);
  }
};
