import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Installs the real n8n once (cached outside the repo); the first run takes ~3-4 minutes. */
export default function setup(): void {
  execFileSync('bash', [path.join(__dirname, 'install-n8n.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
  });
}
