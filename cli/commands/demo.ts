import type { Command } from 'commander';
import { lazyAction } from '../lazy-action';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Load the shipped example export and HubSpot mirror, reconcile all four objects, and print a summary')
    .action(lazyAction(async () => (await import('../actions/demo.js')).demoAction));
}
