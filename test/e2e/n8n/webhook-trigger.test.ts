/**
 * The webhook trigger inside a real, running n8n 2.8.4 (`n8n start` with a published workflow): signed HubSpot calls
 * start the workflow with one item per new notice; a forged call gets 401 and starts nothing; a replay is
 * acknowledged and starts nothing. Items are posted by an HTTP Request node to a collector in this test.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseOptions } from '../../../core/db/database';
import { createTemporaryDatabase } from '../../../core/db/temporary-database';
import { webhookCounts } from '../../../core/webhooks';
import { buildHubSpotRequest, buildPipedriveRequest, deliver } from '../../../sandbox/webhooks';
import { DIST, postgresCredential } from './fixtures';
import {
  importAndPublish,
  startCollector,
  startN8nProcess,
  stopN8nProcess,
  until,
  type Collector,
  type N8nProcess,
} from './n8n-process';
import { defaultN8nBin, freePort, n8nEnv, type N8nCredential } from './run-workflow';
import { webhookRegistered } from './webhook-ready';

const SECRET = 'e2e-hubspot-client-secret-41c7';
const PD_PASSWORD = 'e2e-pipedrive-password-x7';
const HOOK_ID = randomUUID();

let n8n: N8nProcess | undefined;
let collector: Collector<Record<string, unknown>> | undefined;
const collected: Array<Record<string, unknown>> = [];
let base = '';
let userFolder = '';
let dataFolder = '';
const logs = () => n8n?.logs() ?? '';
// With DATABASE_URL the trigger writes to a fresh database on that server (credential), else to an embedded folder.
let serverDb: { url: string; drop(): Promise<void> } | undefined;

const waitFor = (check: () => boolean | Promise<boolean>, ms: number, what: string) =>
  until(check, ms, () => `${what}; n8n log tail:\n${logs().slice(-3000)}`);

beforeAll(async () => {
  collector = await startCollector(collected);

  userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-hook-'));
  dataFolder = path.join(userFolder, 'crm-bridge-data');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = await n8nEnv(userFolder, {
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    // HubSpot signs the URL it calls; the trigger takes it from WEBHOOK_URL, so it must be the address used here.
    WEBHOOK_URL: `${base}/`,
    N8N_CUSTOM_EXTENSIONS: DIST,
  });
  const bin = defaultN8nBin();
  const credentials: N8nCredential[] = [
    {
      id: 'crmBridgeWebhook1',
      name: 'Webhook secrets',
      type: 'crmBridgeWebhookApi',
      data: { hubspotClientSecret: SECRET, pipedriveUser: 'hook', pipedrivePassword: PD_PASSWORD },
    },
  ];
  if (process.env.DATABASE_URL) {
    serverDb = await createTemporaryDatabase(process.env.DATABASE_URL, 'crm_bridge_hook_e2e');
    credentials.push(postgresCredential(serverDb.url, 'crmBridgePostgres1', 'Postgres'));
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
          url: collector.url,
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
  await importAndPublish(bin, env, credentials, workflow);
  n8n = startN8nProcess('main', bin, ['start'], env);
  await waitFor(
    async () => {
      try {
        return (await fetch(`${base}/healthz`)).ok && /activated|Activat|Editor is now accessible/i.test(logs());
      } catch {
        return false;
      }
    },
    120_000,
    'n8n to start',
  );
  await waitFor(
    async () =>
      (await webhookRegistered(`${base}/webhook/${HOOK_ID}/hubspot`)) &&
      (await webhookRegistered(`${base}/webhook/${HOOK_ID}/pipedrive`)),
    60_000,
    'the webhooks to be registered',
  );
}, 240_000);

afterAll(async () => {
  await stopN8nProcess(n8n);
  await collector?.close();
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

    await waitFor(() => collected.length >= 3, 30_000, 'the workflow runs');
    await new Promise((r) => setTimeout(r, 1500)); // a forged or replayed call must not add a run late
    expect(collected.map((c) => [c.system, c.object, c.recordId, c.action]).sort()).toEqual([
      ['hubspot', 'contacts', '1001', 'update'],
      ['hubspot', 'deals', '2002', 'create'],
      ['pipedrive', 'persons', '31', 'update'],
    ]);
    expect(logs()).not.toContain(SECRET);
    expect(logs()).not.toContain(PD_PASSWORD);

    // An embedded database is held by n8n: stop it first, then read what the trigger stored.
    if (!serverDb) await stopN8nProcess(n8n, 30_000);
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
