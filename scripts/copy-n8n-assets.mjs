// After tsc: copy what n8n loads beside the compiled nodes and credentials that tsc does not emit: every icon
// (*.svg, light and dark) and each node's codex file (<Node>.node.json, read by n8n's node panel).
import { cpSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = (source) => statSync(source).isDirectory() || source.endsWith('.svg') || source.endsWith('.node.json');

for (const folder of ['nodes', 'credentials'])
  cpSync(join(root, folder), join(root, 'dist', folder), { recursive: true, filter: wanted });
