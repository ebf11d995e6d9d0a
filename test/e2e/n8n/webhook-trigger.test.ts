/**
 * The webhook trigger inside a real, running n8n 2.8.4 (`n8n start` with a published workflow): signed HubSpot calls
 * start the workflow with one item per new notice; a forged call gets 401 and starts nothing; a replay is
 * acknowledged and starts nothing. Items are posted by an HTTP Request node to a collector in this test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseOptions } from '../../../core/db/database';
import { createTemporaryDatabase } from '../../../core/db/temporary-database';
import { webhookCounts } from '../../../core/webhooks';
import { buildHubSpotRequest, buildPipedriveRequest, deliver } from '../../../sandbox/webhooks';
import { defaultN8nBin, freePort, n8nEnv } from './run-workflow';
import { webhookRegistered } from './webhook-ready';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SECRET = 'e2e-hubspot-client-secret-41c7';
const PD_PASSWORD = 'e2e-pipedrive-password-x7';
const HOOK_ID = randomUUID();

let n8n: ChildProcess | undefined;
let collector: Server;
let collectorUrl = '';
const collected: Array<Record<string, unknown>> = [];
let base = '';
let userFolder = '';
let dataFolder = '';
let logs = '';
// With DATABASE_URL the trigger writes to a fresh database on that server (credential), else to an embedded folder.
let serverDb: { url: string; drop(): Promise<void> } | undefined;

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms)
      throw new Error(`timed out waiting for ${what}; n8n log tail:\n${logs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      collected.push(JSON.parse(body) as Record<string, unknown>);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
  collectorUrl = `http://127.0.0.1:${(collector.address() as { port: number }).port}/collect`;

  userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-hook-'));
  dataFolder = path.join(userFolder, 'crm-bridge-data');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = await n8nEnv(userFolder, {
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    // HubSpot signs the URL it calls; the trigger takes it from WEBHOOK_URL, so it must be the address used here.
    WEBHOOK_URL: `${base}/`,
    N8N_CUSTOM_EXTENSIONS: path.join(ROOT, 'dist'),
  });
  const bin = defaultN8nBin();
  const credentials: Array<Record<string, unknown>> = [
    {
      id: 'crmBridgeWebhook1',
      name: 'Webhook secrets',
      type: 'crmBridgeWebhookApi',
      data: { hubspotClientSecret: SECRET, pipedriveUser: 'hook', pipedrivePassword: PD_PASSWORD },
    },
  ];
  if (process.env.DATABASE_URL) {
    serverDb = await createTemporaryDatabase(process.env.DATABASE_URL, 'crm_bridge_hook_e2e');
    const u = new URL(serverDb.url);
    credentials.push({
      id: 'crmBridgePostgres1',
      name: 'Postgres',
      type: 'crmBridgePostgresApi',
      data: {
        host: u.hostname,
        port: Number(u.port || 5432),
        database: u.pathname.slice(1),
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        ssl: 'disable',
      },
    });
  }
  const trigger = (name: string, vendor: string, id: string, y: number) => ({
    parameters: serverDb ? { vendor, database: 'server' } : { vendor, database: 'embedded', dataFolder },
    id,
    name,
    type: 'CUSTOM.crmBridgeWebhookTrigger',
    typeVersion: 1,
    position: [0, y],
    webhookId: HOOK_ID,
    credentials: {
      crmBridgeWebhookApi: { id: 'crmBridgeWebhook1', name: 'Webhook secrets' },
      ...(serverDb ? { crmBridgePostgresApi: { id: 'crmBridgePostgres1', name: 'Postgres' } } : {}),
    },
  });
  const workflow = {
    id: 'crmBridgeHookE2E1',
    name: 'CRM Bridge webhook trigger e2e',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      trigger('HubSpot Changes', 'hubspot', '0b6c0000-0000-4000-8000-000000000001', 0),
      trigger('Pipedrive Changes', 'pipedrive', '0b6c0000-0000-4000-8000-000000000003', 200),
      {
        parameters: {
          method: 'POST',
          url: collectorUrl,
          sendBody: true,
          specifyBody: 'json',
          jsonBody: '={{ JSON.stringify($json) }}',
          options: {},
        },
        id: '0b6c0000-0000-4000-8000-000000000002',
        name: 'Collect',
        type: 'n8n-nodes-base.httpRequest',
        typeVersion: 4.2,
        position: [260, 0],
      },
    ],
    connections: {
      'HubSpot Changes': { main: [[{ node: 'Collect', type: 'main', index: 0 }]] },
      'Pipedrive Changes': { main: [[{ node: 'Collect', type: 'main', index: 0 }]] },
    },
  };
  fs.writeFileSync(path.join(userFolder, 'credentials.json'), JSON.stringify(credentials));
  fs.writeFileSync(path.join(userFolder, 'workflow.json'), JSON.stringify(workflow));
  for (const args of [
    ['import:credentials', `--input=${path.join(userFolder, 'credentials.json')}`],
    ['import:workflow', `--input=${path.join(userFolder, 'workflow.json')}`],
    ['publish:workflow', `--id=${workflow.id}`],
  ]) {
    const result = await run(bin, args, env);
    if (result.code !== 0) throw new Error(`n8n ${args[0]} failed:\n${result.out.slice(-3000)}`);
  }
  n8n = spawn(bin, ['start'], { env });
  n8n.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
  n8n.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
  await until(
    async () => {
      try {
        return (await fetch(`${base}/healthz`)).ok && /activated|Activat|Editor is now accessible/i.test(logs);
      } catch {
        return false;
      }
    },
    120_000,
    'n8n to start',
  );
  await until(
    async () =>
      (await webhookRegistered(`${base}/webhook/${HOOK_ID}/hubspot`)) &&
      (await webhookRegistered(`${base}/webhook/${HOOK_ID}/pipedrive`)),
    60_000,
    'the webhooks to be registered',
  );
}, 240_000);

afterAll(async () => {
  if (n8n && n8n.exitCode === null) {
    const exited = new Promise((r) => n8n!.on('exit', r));
    n8n.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (n8n.exitCode === null) n8n.kill('SIGKILL');
  }
  await new Promise((r) => collector?.close(r));
  await serverDb?.drop();
  if (userFolder && process.env.CRM_BRIDGE_N8N_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
}, 60_000);

describe('CRM Bridge Webhook Trigger in a running n8n', () => {
  it('starts the workflow for genuine calls only, once per event, and stores the notices', async () => {
    const hubspotUrl = `${base}/webhook/${HOOK_ID}/hubspot`;
    const genuine = buildHubSpotRequest(
      hubspotUrl,
      [
        { object: 'contacts', recordId: '1001', action: 'update' },
        { object: 'deals', recordId: '2002', action: 'create' },
      ],
      { clientSecret: SECRET },
    );
    const first = await deliver(genuine);
    expect(first.status, first.body).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ accepted: 2, replayed: 0 });
    const replay = await deliver(genuine);
    expect(JSON.parse(replay.body)).toMatchObject({ accepted: 0, replayed: 1 * 2 });
    const forged = await deliver(
      buildHubSpotRequest(hubspotUrl, [{ object: 'contacts', recordId: '6666', action: 'delete' }], {
        clientSecret: 'not-the-secret-0000',
      }),
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toEqual({ ok: false, reason: 'bad-signature' });
    const pipedrive = await deliver(
      buildPipedriveRequest(
        `${base}/webhook/${HOOK_ID}/pipedrive`,
        { object: 'persons', recordId: '31', action: 'update' },
        { user: 'hook', password: PD_PASSWORD },
      ),
    );
    expect(pipedrive.status, pipedrive.body).toBe(200);
    const wrongAuth = await deliver(
      buildPipedriveRequest(
        `${base}/webhook/${HOOK_ID}/pipedrive`,
        { object: 'persons', recordId: '32', action: 'update' },
        { user: 'hook', password: 'wrong-password' },
      ),
    );
    expect(wrongAuth.status).toBe(401);

    await until(() => collected.length >= 3, 30_000, 'the workflow runs');
    await new Promise((r) => setTimeout(r, 1500)); // a forged or replayed call must not add a run late
    expect(collected.map((c) => [c.system, c.object, c.recordId, c.action]).sort()).toEqual([
      ['hubspot', 'contacts', '1001', 'update'],
      ['hubspot', 'deals', '2002', 'create'],
      ['pipedrive', 'persons', '31', 'update'],
    ]);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(PD_PASSWORD);

    // An embedded database is held by n8n: stop it first, then read what the trigger stored.
    if (!serverDb) {
      const exited = new Promise((r) => n8n!.on('exit', r));
      n8n!.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    const where: DatabaseOptions = serverDb ? { url: serverDb.url } : { home: dataFolder };
    const db = await openDatabase(where);
    try {
      const { rows } = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM sync.change_notices');
      expect(rows[0]!.n).toBe('3');
      const counts = (await webhookCounts(db.pool)).map(({ system, outcome, reason, count }) => ({
        system,
        outcome,
        reason,
        count,
      }));
      expect(counts).toEqual([
        { system: 'hubspot', outcome: 'accepted', reason: '', count: 2 },
        { system: 'hubspot', outcome: 'rejected', reason: 'bad-signature', count: 1 },
        { system: 'hubspot', outcome: 'replayed', reason: '', count: 2 },
        { system: 'pipedrive', outcome: 'accepted', reason: '', count: 1 },
        { system: 'pipedrive', outcome: 'rejected', reason: 'bad-auth', count: 1 },
      ]);
    } finally {
      await db.close();
    }
  }, 180_000);
});
