import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ICredentialType, Icon, INodeType } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { CrmBridgeDynamicsApi } from '../../credentials/CrmBridgeDynamicsApi.credentials';
import { CrmBridgeHubSpotApi } from '../../credentials/CrmBridgeHubSpotApi.credentials';
import { CrmBridgePipedriveApi } from '../../credentials/CrmBridgePipedriveApi.credentials';
import { CrmBridgePostgresApi } from '../../credentials/CrmBridgePostgresApi.credentials';
import { CrmBridgeSalesforceApi } from '../../credentials/CrmBridgeSalesforceApi.credentials';
import { CrmBridgeWebhookApi } from '../../credentials/CrmBridgeWebhookApi.credentials';
import { CrmBridge } from '../../nodes/CrmBridge/CrmBridge.node';
import { CrmBridgeTrigger } from '../../nodes/CrmBridgeTrigger/CrmBridgeTrigger.node';
import { CrmBridgeChangeEventTrigger } from '../../nodes/CrmBridgeChangeEventTrigger/CrmBridgeChangeEventTrigger.node';
import { CrmBridgeWebhookTrigger } from '../../nodes/CrmBridgeWebhookTrigger/CrmBridgeWebhookTrigger.node';

/** The codex names the version a new node gets: the default one, written as n8n does (1 -> "1.0", 1.1 -> "1.1"). */
function codexVersionOf(description: { version: number | number[]; defaultVersion?: number }): string {
  const versions = Array.isArray(description.version) ? description.version : [description.version];
  const version = description.defaultVersion ?? Math.max(...versions);
  return Number.isInteger(version) ? `${version}.0` : String(version);
}

// The package as n8n reads it: package.json's n8n section, each node's codex file and every icon.
const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const source = (built: string) => path.join(ROOT, built.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

/** The categories n8n's node panel groups by (those of n8n-nodes-base 2.8.4's codex files). */
const N8N_CATEGORIES = [
  'Analytics',
  'Communication',
  'Core Nodes',
  'Data & Storage',
  'Development',
  'Developer Tools',
  'Finance & Accounting',
  'HITL',
  'Marketing',
  'Miscellaneous',
  'Productivity',
  'Sales',
  'Utility',
];

/** GitHub's anchor for a README heading. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const readmeAnchors = new Set(
  readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => anchor(line.replace(/^#+ /, ''))),
);

/** Each class package.json's n8n section names, by its built file (one class per file, as n8n loads them). */
const nodes: Array<[string, INodeType]> = [
  ['dist/nodes/CrmBridge/CrmBridge.node.js', new CrmBridge()],
  ['dist/nodes/CrmBridgeWebhookTrigger/CrmBridgeWebhookTrigger.node.js', new CrmBridgeWebhookTrigger()],
  ['dist/nodes/CrmBridgeTrigger/CrmBridgeTrigger.node.js', new CrmBridgeTrigger()],
  ['dist/nodes/CrmBridgeChangeEventTrigger/CrmBridgeChangeEventTrigger.node.js', new CrmBridgeChangeEventTrigger()],
];
const credentials: Array<[string, ICredentialType]> = [
  ['dist/credentials/CrmBridgePostgresApi.credentials.js', new CrmBridgePostgresApi()],
  ['dist/credentials/CrmBridgeSalesforceApi.credentials.js', new CrmBridgeSalesforceApi()],
  ['dist/credentials/CrmBridgeHubSpotApi.credentials.js', new CrmBridgeHubSpotApi()],
  ['dist/credentials/CrmBridgePipedriveApi.credentials.js', new CrmBridgePipedriveApi()],
  ['dist/credentials/CrmBridgeDynamicsApi.credentials.js', new CrmBridgeDynamicsApi()],
  ['dist/credentials/CrmBridgeWebhookApi.credentials.js', new CrmBridgeWebhookApi()],
];

function iconFiles(icon: Icon | undefined, dir: string): string[] {
  if (typeof icon === 'string') return [path.join(dir, icon.replace(/^file:/, ''))];
  if (icon && typeof icon === 'object' && 'light' in icon)
    return [icon.light, icon.dark].map((file) => path.join(dir, file.replace(/^file:/, '')));
  return [];
}

describe('the n8n package', () => {
  it('is a self-hosted package (non-strict lint) with the metadata n8n and npm show', () => {
    expect(pkg.n8n.strict).toBe(false);
    expect(pkg.keywords).toContain('n8n-community-node-package');
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/crm-bridge\/n8n-nodes-crm-bridge/);
    expect(pkg.repository.url).toContain('github.com/crm-bridge/n8n-nodes-crm-bridge');
    expect(pkg.bugs.url).toMatch(/\/issues$/);
    expect(pkg.author.name).not.toBe('');
  });

  it('lists exactly the nodes and credentials tested here, each class under its own name', () => {
    expect(pkg.n8n.nodes).toEqual(nodes.map(([file]) => file));
    expect(pkg.n8n.credentials).toEqual(credentials.map(([file]) => file));
    for (const [file, node] of nodes) expect(path.basename(file, '.node.js')).toBe(node.constructor.name);
  });

  describe.each(nodes)('%s', (file, node) => {
    const codexFile = source(file).replace(/\.ts$/, '.json');

    it('has a codex file naming the node, its version and valid categories', () => {
      expect(existsSync(codexFile)).toBe(true);
      const codex = JSON.parse(readFileSync(codexFile, 'utf8'));
      expect(codex).toMatchObject({
        node: `${pkg.name}.${node.description.name}`,
        nodeVersion: codexVersionOf(node.description),
        codexVersion: '1.0',
      });
      expect(codex.categories.length).toBeGreaterThan(0);
      for (const category of codex.categories) expect(N8N_CATEGORIES).toContain(category);
    });

    it('links its documentation to sections of the README that exist', () => {
      const codex = JSON.parse(readFileSync(codexFile, 'utf8'));
      const links = [...codex.resources.primaryDocumentation, ...(codex.resources.credentialDocumentation ?? [])];
      expect(codex.resources.primaryDocumentation.length).toBeGreaterThan(0);
      for (const { url } of links as Array<{ url: string }>) {
        const [base, section] = url.split('#');
        expect(base).toBe(pkg.homepage.split('#')[0]);
        expect([...readmeAnchors]).toContain(section);
      }
    });

    it('has a light and a dark icon, both files present and different', () => {
      const files = iconFiles(node.description.icon, path.dirname(source(file)));
      expect(files).toHaveLength(2);
      expect(files[0]).not.toBe(files[1]);
      for (const icon of files) expect(readFileSync(icon, 'utf8')).toMatch(/^<svg /);
    });
  });

  it.each(credentials)('%s has a light and a dark icon', (file, credential) => {
    const files = iconFiles(credential.icon, path.dirname(source(file)));
    expect(files).toHaveLength(2);
    for (const icon of files) expect(readFileSync(icon, 'utf8')).toMatch(/^<svg /);
  });
});
