/**
 * npm run bench [-- --only mapping|matching|reconcile|connectors|sync|apply|lookup] [suite options]
 *
 * Runs each suite in its own process (so one suite's memory does not colour another's peak RSS) and passes the
 * remaining arguments on. Every suite prints its figures next to a baseline measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const SUITES = ['mapping', 'matching', 'reconcile', 'connectors', 'sync', 'apply', 'lookup'] as const;

function main(): void {
  const args = process.argv.slice(2);
  const i = args.indexOf('--only');
  const only = i >= 0 ? args.splice(i, 2)[1] : undefined;
  if (only && !SUITES.includes(only as never)) throw new Error(`--only takes one of ${SUITES.join(', ')}`);
  for (const suite of only ? [only] : SUITES) {
    const entry = path.join(__dirname, suite, 'index.js');
    if (!existsSync(entry)) {
      console.log(`\n## ${suite}: not built (${entry} missing)`);
      continue;
    }
    console.log(`\n## ${suite}\n`);
    execFileSync(process.execPath, ['--expose-gc', entry, ...args], { stdio: 'inherit' });
  }
}

main();
