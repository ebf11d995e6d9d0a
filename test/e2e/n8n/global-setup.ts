import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { n8nLine } from './run-workflow';

/** Installs the real n8n of the line under test once (cached outside the repo); the first run takes ~3-5 minutes. */
export default function setup(): void {
  execFileSync('bash', [path.join(__dirname, 'install-n8n.sh'), n8nLine()], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
  });
}
