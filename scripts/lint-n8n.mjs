// `npm run lint:n8n`: n8n's community-node lint over nodes/, credentials/ and package.json. `n8n-node lint` itself
// runs `npm exec eslint .`, which finds the repository's ESLint 10, on which eslint-plugin-n8n-nodes-base crashes
// (it calls context.getFilename()); so this runs the same rules with the ESLint 9 that @n8n/node-cli depends on.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fromNodeCli = createRequire(createRequire(import.meta.url).resolve('@n8n/node-cli/eslint'));
const eslintBin = join(dirname(fromNodeCli.resolve('eslint/package.json')), 'bin', 'eslint.js');
const args = [eslintBin, '--config', 'eslint.n8n.config.mjs', '--max-warnings', '0', ...process.argv.slice(2)];
const run = spawnSync(process.execPath, [...args, 'nodes', 'credentials', 'package.json'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
