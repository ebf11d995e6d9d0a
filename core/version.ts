import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The package's own directory, found from this file whether it runs from source or from dist/. */
export const PACKAGE_ROOT = ((): string => {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'n8n-nodes-crm-bridge') return dir;
    } catch {
      // not here; keep walking up
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the n8n-nodes-crm-bridge package root');
})();

export const VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
