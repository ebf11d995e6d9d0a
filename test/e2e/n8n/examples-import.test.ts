import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultN8nBin, n8nEnv, nodeOutput, parseRunJson } from './run-workflow';

// The README's example workflows (examples/n8n/) as a user gets them: the package installed as a community package
// (~/.n8n/nodes/node_modules/n8n-nodes-crm-bridge, node types `n8n-nodes-crm-bridge.<node>`), each workflow imported
// with `n8n import:workflow` into n8n 2.8.4 and read back; the one that needs no credential is also run.
const ROOT = path.join(__dirname, '..', '..', '..');
const EXAMPLES = path.join(ROOT, 'examples', 'n8n');
const run = promisify(execFile);

describe('the example workflows in examples/n8n', () => {
  let userFolder: string;
  let env: NodeJS.ProcessEnv;
  const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));
  const n8n = (args: string[]) => run(defaultN8nBin(), args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });

  beforeAll(async () => {
    userFolder = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-examples-'));
    // What `npm install n8n-nodes-crm-bridge` in ~/.n8n/nodes leaves: the package (this checkout, built) in node_modules.
    mkdirSync(path.join(userFolder, '.n8n', 'nodes', 'node_modules'), { recursive: true });
    symlinkSync(ROOT, path.join(userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-nodes-crm-bridge'), 'dir');
    env = await n8nEnv(userFolder);
  });
  afterAll(() => rmSync(userFolder, { recursive: true, force: true }));

  it('ships at least the three workflows the README lists', () => {
    expect(files.sort()).toEqual([
      'deduplicate-contacts.json',
      'reconcile-and-review.json',
      'sync-loans-to-pipedrive.json',
    ]);
  });

  it('imports each one, and n8n keeps every node with its community-package type', async () => {
    for (const file of files) await n8n(['import:workflow', `--input=${path.join(EXAMPLES, file)}`]);
    const out = path.join(userFolder, 'exported.json');
    await n8n(['export:workflow', '--all', `--output=${out}`]);
    const exported = JSON.parse(readFileSync(out, 'utf8')) as Array<{ name: string; nodes: Array<{ type: string }> }>;
    for (const file of files) {
      const example = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8'));
      const stored = exported.find((w) => w.name === example.name);
      expect(stored, file).toBeDefined();
      expect(stored!.nodes.map((n) => n.type)).toEqual(example.nodes.map((n: { type: string }) => n.type));
      expect(example.nodes.some((n: { type: string }) => n.type.startsWith('n8n-nodes-crm-bridge.'))).toBe(true);
    }
  });

  it('runs the deduplicate example with the node loaded as a community package', async () => {
    const example = JSON.parse(readFileSync(path.join(EXAMPLES, 'deduplicate-contacts.json'), 'utf8'));
    const id = 'crmBridgeExampleDedupe';
    const file = path.join(userFolder, 'dedupe.json');
    writeFileSync(file, JSON.stringify({ ...example, id }));
    await n8n(['import:workflow', `--input=${file}`]);
    const { stdout, stderr } = await n8n(['execute', `--id=${id}`, '--rawOutput']);
    const result = parseRunJson(stdout + stderr);
    expect(result?.status).toBe('success');
    const all = nodeOutput(result.data.resultData.runData, 'Deduplicate');
    expect(all).toHaveLength(3);
    // Bill and William Smith at ACME share a cluster; Peter Parker is on his own.
    expect(all[0]._cluster_id).toBe(all[1]._cluster_id);
    expect(all[2]._cluster_id).not.toBe(all[0]._cluster_id);
    expect(nodeOutput(result.data.resultData.runData, 'One per Person')).toHaveLength(2);
  });
});
