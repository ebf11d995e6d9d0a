import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

// The ports stay text here and are checked in the action, as usage mistakes (commander's parser cannot say so).
export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description(
      'Run local CRM emulators (Salesforce REST, HubSpot CRM v3, Pipedrive v1/v2, Dynamics 365 Web API v9.2) to try workflows offline; Ctrl-C stops them',
    )
    .option('--salesforce-port <port>', 'port of the Salesforce emulator', (v): string | number => v, 8701)
    .option('--hubspot-port <port>', 'port of the HubSpot emulator', (v): string | number => v, 8702)
    .option('--pipedrive-port <port>', 'port of the Pipedrive emulator', (v): string | number => v, 8703)
    .option('--dynamics-port <port>', 'port of the Dynamics 365 emulator', (v): string | number => v, 8704)
    .action(lazyAction(async () => (await import('../actions/sandbox.js')).sandboxAction));
}
