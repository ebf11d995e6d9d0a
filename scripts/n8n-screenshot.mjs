// Makes docs/n8n-workflow.png: an example workflow (examples/n8n/) open in the n8n editor.
//   npm run build && node scripts/n8n-screenshot.mjs [examples/n8n/<file>.json]
// Needs n8n 2.8.4 from test/e2e/n8n/install-n8n.sh (~/.cache/crm-bridge) and Debian's /usr/bin/chromium. It starts
// n8n with a fresh user folder and the built package (N8N_CUSTOM_EXTENSIONS=dist), sets up the owner through the
// REST API, opens the workflow with playwright-core and saves the PNG; n8n and the folder are removed afterwards.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const example = path.resolve(root, process.argv[2] ?? 'examples/n8n/reconcile-and-review.json');
const output = path.join(root, 'docs', 'n8n-workflow.png');
const n8nBin =
  process.env.CRM_BRIDGE_N8N_BIN ??
  path.join(os.homedir(), '.cache', 'crm-bridge', 'n8n-2.8.4', 'node_modules', '.bin', 'n8n');
const browserBin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const userFolder = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-screenshot-'));
const port = await freePort();
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TZ: 'UTC',
  N8N_USER_FOLDER: userFolder,
  N8N_CUSTOM_EXTENSIONS: path.join(root, 'dist'),
  N8N_ENCRYPTION_KEY: 'crm-bridge-screenshot',
  N8N_PORT: String(port),
  N8N_LISTEN_ADDRESS: '127.0.0.1',
  N8N_DIAGNOSTICS_ENABLED: 'false',
  N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
  N8N_PERSONALIZATION_ENABLED: 'false',
  N8N_TEMPLATES_ENABLED: 'false',
  N8N_RUNNERS_MODE: 'internal',
  N8N_RUNNERS_AUTH_TOKEN: 'crm-bridge-screenshot',
  N8N_RUNNERS_BROKER_PORT: String(await freePort()),
  N8N_SECURE_COOKIE: 'false',
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
  DB_SQLITE_POOL_SIZE: '1',
};

// Loaded from dist as custom extensions, the node types are CUSTOM.<node> instead of the package's name.
const workflow = JSON.parse(readFileSync(example, 'utf8'));
const id = 'crmBridgeScreenshot1';
for (const node of workflow.nodes) node.type = node.type.replace(/^n8n-nodes-crm-bridge\./, 'CUSTOM.');
const workflowFile = path.join(userFolder, 'workflow.json');
writeFileSync(workflowFile, JSON.stringify({ ...workflow, id }));
execFileSync(n8nBin, ['import:workflow', `--input=${workflowFile}`], { env, stdio: 'ignore' });

const n8n = spawn(n8nBin, ['start'], { env, stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
let browser;
try {
  for (let tries = 0; ; tries++) {
    const ready = await fetch(`${base}/healthz/readiness`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (tries > 120) throw new Error('n8n did not become ready in 2 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  // The REST routes and the database come up after the HTTP server: retry while n8n answers 404 or 503.
  let setup;
  for (let tries = 0; tries < 60; tries++) {
    setup = await fetch(`${base}/rest/owner/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'owner@example.com',
        firstName: 'CRM',
        lastName: 'Bridge',
        password: 'Screenshot1!',
      }),
    });
    if (setup.status !== 404 && setup.status !== 503) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (!setup.ok) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
  const auth = /n8n-auth=([^;]+)/.exec(setup.headers.get('set-cookie') ?? '')?.[1];
  if (!auth) throw new Error('owner setup returned no n8n-auth cookie');

  browser = await chromium.launch({ executablePath: browserBin, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
  await context.addCookies([{ name: 'n8n-auth', value: auth, url: base }]);
  const page = await context.newPage();
  await page.goto(`${base}/workflow/${id}`, { waitUntil: 'networkidle' });
  await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60_000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: output });
  console.log(`${output}: ${readFileSync(output).length} bytes`);
} finally {
  await browser?.close();
  n8n.kill('SIGTERM');
  await new Promise((r) => n8n.once('exit', r));
  rmSync(userFolder, { recursive: true, force: true });
}
