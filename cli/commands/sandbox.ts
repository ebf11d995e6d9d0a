import type { Command } from 'commander';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import type { GlobalOptions } from '../context';
import { fail } from '../output';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('Run local CRM emulators (Salesforce REST, HubSpot CRM v3) to try workflows offline; Ctrl-C stops them')
    .option('--salesforce-port <port>', 'port of the Salesforce emulator', (v) => Number.parseInt(v, 10), 8701)
    .option('--hubspot-port <port>', 'port of the HubSpot emulator', (v) => Number.parseInt(v, 10), 8702)
    .action(async (opts: { salesforcePort: number; hubspotPort: number }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        const salesforce = new SalesforceEmulator();
        const url = await salesforce.start(opts.salesforcePort);
        const hubspot = new HubSpotEmulator();
        const hubspotUrl = await hubspot.start(opts.hubspotPort);
        process.stdout.write(
          [
            `Salesforce emulator on ${url} (REST v60.0; objects ${[...salesforce.store.objects.keys()].join(', ')})`,
            `HubSpot emulator on ${hubspotUrl} (CRM v3; any bearer token is accepted)`,
            'Point crm-bridge, n8n or the SDKs at them:',
            `  export SALESFORCE_INSTANCE_URL=${url}`,
            '  export SALESFORCE_CLIENT_ID=emulator-client SALESFORCE_CLIENT_SECRET=emulator-secret',
            `  export HUBSPOT_BASE_URL=${hubspotUrl} HUBSPOT_ACCESS_TOKEN=sandbox-token`,
            'Ctrl-C stops the emulators.',
            '',
          ].join('\n'),
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await Promise.all([salesforce.stop(), hubspot.stop()]);
      } catch (error) {
        fail(error, global);
      }
    });
}
