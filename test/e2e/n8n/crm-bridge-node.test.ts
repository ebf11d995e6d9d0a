import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/db/database';
import { HubSpotEmulator } from '../../../sandbox/hubspot';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { EMULATOR_CLIENT, SalesforceEmulator } from '../../../sandbox/salesforce';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { EXPORT_DIR, loadExampleMirror, matchedWithUpdates, truth } from '../../helpers/example-data';
import {
  DIST,
  SERVER,
  pipedriveCredential,
  postgresCredential,
  readWorkflow,
  salesforceCredential,
  seedThroughConnector,
} from './fixtures';
import { nodeOutput, runWorkflow } from './run-workflow';

function workflow(
  replacements: Record<string, string>,
  patch?: (node: { parameters: Record<string, unknown>; credentials?: unknown }) => void,
) {
  const wf = readWorkflow('reconcile-and-lookup.json', replacements);
  if (patch) wf.nodes.filter((n: { type: string }) => n.type === 'CUSTOM.crmBridge').forEach(patch);
  return wf;
}

const credential = (url: string) => postgresCredential(url, 'crmBridgePg1', 'CRM Bridge staging');

describe('CRM Bridge node in a real n8n', () => {
  let t: TestDatabase;
  const previous = process.env.DATABASE_URL;

  beforeAll(async () => {
    process.env.DATABASE_URL = SERVER;
    t = await createTestDatabase();
    await loadExampleMirror(t.db);
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
    process.env.DATABASE_URL = previous;
  });

  it('reconciles through a PostgreSQL credential and looks a record up', async () => {
    const [legacyId, record] = matchedWithUpdates('companies');
    const run = await runWorkflow({
      workflow: workflow({ __LEGACY_EXPORT__: EXPORT_DIR, __LEGACY_ID__: legacyId }),
      credentials: [credential(t.url!)],
      customExtensionsDir: DIST,
    });
    expect(run.errorMessage).toBeUndefined();
    expect(run.status).toBe('success');
    const expected = truth().objects.companies!;
    const [summary] = nodeOutput(run.runData, 'Reconcile Companies');
    // ID matches as planted; the fuzzy fallback's split of the rest as measured (test/reconcile/example-data.test.ts scores it).
    const { matched, conflict, orphan } = expected.statuses;
    expect(summary).toMatchObject({
      object: 'companies',
      matched,
      conflict,
      orphan,
      fuzzyMatch: 89,
      new: 185,
      quarantined: expected.quarantined.length,
    });
    const [lookup] = nodeOutput(run.runData, 'Lookup by Legacy ID');
    expect(lookup).toMatchObject({ found: true, status: 'matched', targetId: record.targetIds[0] });
    expect(Object.keys((lookup as { propertiesToUpdate: object }).propertiesToUpdate).sort()).toEqual(
      [...record.updates].sort(),
    );
    // What n8n did is in the database the credential points at.
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM staging.companies WHERE status = 'matched'`,
    );
    expect(rows[0]?.n).toBe(expected.statuses.matched);
  });

  it('maps item fields to mirror columns, by suggestion or by hand', async () => {
    const wf = readWorkflow('map-to-target.json');
    const run = await runWorkflow({ workflow: wf, credentials: [credential(t.url!)], customExtensionsDir: DIST });
    expect(run.errorMessage).toBeUndefined();
    const auto = nodeOutput(run.runData, 'Auto Map') as Array<Record<string, unknown>>;
    const { _mapping, ...first } = auto[0]!;
    // Suggested, not matched by equal names: Comp_Sector -> industry, Addr_PostCode -> zip; Comp_SecTerr maps to nothing.
    expect(first).toEqual({ name: 'Acme Ltd', domain: 'www.acme.co.uk', zip: 'LS1 4AP', industry: 'Retail' });
    expect(_mapping).toContainEqual(expect.objectContaining({ source: 'Comp_SecTerr', target: null }));
    expect(nodeOutput(run.runData, 'Map By Hand')).toEqual([
      { name: 'ACME LTD', zip: 'LS1 4AP' },
      { name: 'GLOBEX PLC', zip: 'M1 1AE' },
    ]);
  });

  it('works on the embedded database in a data folder, and fails with a clear message for a missing export', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-embedded-'));
    const db = await openDatabase({ home });
    await loadExampleMirror(db);
    await db.close();
    const [legacyId, record] = matchedWithUpdates('companies');
    const embedded = (node: { parameters: Record<string, unknown>; credentials?: unknown }) => {
      node.parameters.database = 'embedded';
      node.parameters.dataFolder = home;
      delete node.credentials;
    };
    const ok = await runWorkflow({
      workflow: workflow({ __LEGACY_EXPORT__: EXPORT_DIR, __LEGACY_ID__: legacyId }, embedded),
      customExtensionsDir: DIST,
    });
    expect(ok.status).toBe('success');
    expect(nodeOutput(ok.runData, 'Lookup by Legacy ID')[0]).toMatchObject({
      status: 'matched',
      targetId: record.targetIds[0],
    });

    const missing = await runWorkflow({
      workflow: workflow({ __LEGACY_EXPORT__: '/nonexistent/export', __LEGACY_ID__: legacyId }, embedded),
      customExtensionsDir: DIST,
    });
    expect(missing.status).toBe('error');
    expect(missing.errorNode).toBe('Reconcile Companies');
    expect(missing.errorMessage).toBe('Legacy export not found: /nonexistent/export');
  });

  it('merges the same record from two CRMs by rules, with provenance', async () => {
    const wf = readWorkflow('resolve-conflicts.json');
    const run = await runWorkflow({ workflow: wf, customExtensionsDir: DIST });
    expect(run.errorMessage).toBeUndefined();
    const out = nodeOutput(run.runData, 'Resolve Conflicts') as Array<{
      key: string;
      record: Record<string, unknown>;
      provenance: Record<string, { source: string | null; rule: string }>;
    }>;
    expect(out.map((o) => o.key)).toEqual(['bill@acme.com', 'liz@globex.com']);
    // HubSpot changed last, so its first name wins; its phone fills the blank; lifecycle follows source priority.
    expect(out[0]!.record).toEqual({
      email: 'bill@acme.com',
      firstname: 'Bill',
      phone: '+44 20 7946 0001',
      lifecycle: 'customer',
    });
    expect(out[0]!.provenance.lifecycle).toMatchObject({ source: 'salesforce', rule: 'sourcePriority' });
    expect(out[0]!.provenance.firstname).toMatchObject({ source: 'hubspot', rule: 'lastWriteWins' });
    expect(out[1]!.record).toMatchObject({ firstname: 'Liz' });
  });

  it('deduplicates items: cluster ID and confidence on each, or one per entity; a repeated ID is set aside, not dropped', async () => {
    const wf = readWorkflow('deduplicate.json');
    const run = await runWorkflow({ workflow: wf, customExtensionsDir: DIST });
    expect(run.errorMessage).toBeUndefined();
    const all = nodeOutput(run.runData, 'Deduplicate') as Array<Record<string, unknown>>;
    expect(all.map((i) => [i.id, i._cluster_id, i._survivor])).toEqual([
      ['a1', all[0]!._cluster_id, all[0]!._cluster_id === 'a1'],
      ['a2', all[0]!._cluster_id, all[0]!._cluster_id === 'a2'],
      ['a3', 'a3', true],
      ['a1', undefined, undefined],
    ]);
    expect(['a1', 'a2']).toContain(all[0]!._cluster_id);
    expect(all[0]!._confidence).toBeGreaterThanOrEqual(50);
    expect(all[3]!._quarantined).toMatch(/a1/);
    const unique = nodeOutput(run.runData, 'Unique Only') as Array<Record<string, unknown>>;
    expect(
      unique
        .filter((i) => !i._quarantined)
        .map((i) => i.id)
        .sort(),
    ).toEqual([all[0]!._cluster_id, 'a3'].sort());
  });
});

describe('CRM Bridge CRM operations in a real n8n, against the HubSpot emulator', () => {
  const TOKEN = 'hub-n8n-secret-token';
  const hubspot = new HubSpotEmulator({ tokens: [TOKEN] });
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await hubspot.start();
    // N-1 already holds what the workflow sends (unchanged); N-2 has an old name (updated).
    const environment = { HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: baseUrl };
    await seedThroughConnector('hubspot', environment, 'companies', 'legacy_company_id', [
      { key: 'N-1', properties: { legacy_company_id: 'N-1', name: 'Acme Ltd', domain: 'acme.co.uk' } },
      { key: 'N-2', properties: { legacy_company_id: 'N-2', name: 'Globex', domain: 'globex.com' } },
    ]);
  });
  afterAll(async () => hubspot.stop());

  it('upserts Code node records into HubSpot through a crmBridgeHubSpotApi credential, then reads them back with a cursor', async () => {
    const wf = readWorkflow('crm-upsert-and-read.json');
    const run = await runWorkflow({
      workflow: wf,
      credentials: [
        {
          id: 'crmBridgeHubSpot1',
          name: 'HubSpot emulator',
          type: 'crmBridgeHubSpotApi',
          data: { accessToken: TOKEN, baseUrl },
        },
      ],
      customExtensionsDir: DIST,
    });
    expect(run.errorMessage).toBeUndefined();
    expect(run.status).toBe('success');
    const upserted = nodeOutput(run.runData, 'Upsert Companies') as Array<{
      key: string;
      status: string;
      id: string | null;
      error: string | null;
      record: Record<string, unknown>;
    }>;
    expect(upserted.map((r) => [r.key, r.status])).toEqual([
      ['N-1', 'unchanged'],
      ['N-2', 'updated'],
      ['N-3', 'created'],
      ['', 'failed'],
      ['N-4', 'failed'],
    ]);
    expect(upserted[2]!.id).toMatch(/^\d+$/);
    expect(upserted[3]!.error).toBe('no value for the key property "legacy_company_id"');
    expect(upserted[4]!.error).toMatch(/numberofemployees/);
    expect(upserted[4]!.record).toEqual({ legacy_company_id: 'N-4', name: 'Bad Size Ltd', numberofemployees: 'many' });
    for (const r of upserted) expect(JSON.stringify(r)).not.toContain(TOKEN);

    const page = nodeOutput(run.runData, 'Read Companies') as Array<{
      id: string;
      modifiedAt: string;
      properties: Record<string, string | null>;
      nextCursor?: string | null;
    }>;
    expect(page).toHaveLength(2);
    expect(page[0]).not.toHaveProperty('nextCursor');
    expect(page[1]!.nextCursor).toBe(`${page[1]!.modifiedAt}|${page[1]!.id}`);
    // Oldest change first: N-1 was not touched by the workflow.
    expect(page[0]!.properties).toMatchObject({ legacy_company_id: 'N-1', name: 'Acme Ltd', domain: 'acme.co.uk' });
    const rest = nodeOutput(run.runData, 'Read Rest') as Array<{
      properties: Record<string, string | null>;
      nextCursor?: string | null;
    }>;
    expect(rest).toHaveLength(1);
    expect(rest[0]!.nextCursor).toBeNull();
    const byKey = Object.fromEntries([...page, ...rest].map((r) => [r.properties.legacy_company_id, r.properties]));
    expect(Object.keys(byKey).sort()).toEqual(['N-1', 'N-2', 'N-3']);
    expect(byKey['N-2']).toMatchObject({ name: 'Globex PLC' });
    expect(byKey['N-3']).toMatchObject({ name: 'Initech' });
    expect(byKey['N-3']!.numberofemployees).toBe('250');
  }, 120_000);
});

describe('CRM Bridge Salesforce credential in a real n8n, against the Salesforce emulator', () => {
  const salesforce = new SalesforceEmulator();
  let instanceUrl: string;
  beforeAll(async () => {
    instanceUrl = await salesforce.start();
  });
  afterAll(async () => salesforce.stop());

  it('describes Account through an OAuth crmBridgeSalesforceApi credential, one item per field; credential tests never echo secrets', async () => {
    const wf = readWorkflow('crm-describe-salesforce.json');
    const run = await runWorkflow({
      workflow: wf,
      credentials: [salesforceCredential('crmBridgeSalesforce1', instanceUrl, EMULATOR_CLIENT)],
      customExtensionsDir: DIST,
    });
    expect(run.errorMessage).toBeUndefined();
    const fields = nodeOutput(run.runData, 'Describe Account') as Array<{
      crm: string;
      object: string;
      idField: string;
      name: string;
      required?: boolean;
    }>;
    expect(fields.length).toBeGreaterThan(3);
    expect(fields[0]).toMatchObject({ crm: 'salesforce', object: 'Account', idField: 'Id' });
    expect(fields.find((f) => f.name === 'Name')).toMatchObject({ required: true });
    expect(fields.map((f) => f.name)).toContain('Legacy_Id__c');

    // The node's credential test (what n8n's "Test" button calls), loaded from the built package.
    const { CrmBridge } = require(
      path.join(DIST, 'nodes', 'CrmBridge', 'CrmBridge.node.js'),
    ) as typeof import('../../../nodes/CrmBridge/CrmBridge.node');
    const tests = new CrmBridge().methods.credentialTest;
    const ok = await tests.crmBridgeSalesforceTest.call({} as never, {
      id: '1',
      name: 'sf',
      type: 'crmBridgeSalesforceApi',
      data: { instanceUrl, authentication: 'oauth', clientId: 'emulator-client', clientSecret: 'emulator-secret' },
    });
    expect(ok.status).toBe('OK');
    const wrong = await tests.crmBridgeSalesforceTest.call({} as never, {
      id: '1',
      name: 'sf',
      type: 'crmBridgeSalesforceApi',
      data: { instanceUrl, authentication: 'oauth', clientId: 'emulator-client', clientSecret: 'not-the-secret-4711' },
    });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).not.toContain('not-the-secret-4711');
    const hubspot = new HubSpotEmulator({ tokens: ['right-token-0815'] });
    const baseUrl = await hubspot.start();
    try {
      const hsOk = await tests.crmBridgeHubSpotTest.call({} as never, {
        id: '2',
        name: 'hs',
        type: 'crmBridgeHubSpotApi',
        data: { accessToken: 'right-token-0815', baseUrl },
      });
      expect(hsOk.status).toBe('OK');
      const hsWrong = await tests.crmBridgeHubSpotTest.call({} as never, {
        id: '2',
        name: 'hs',
        type: 'crmBridgeHubSpotApi',
        data: { accessToken: 'wrong-token-4242', baseUrl },
      });
      expect(hsWrong.status).toBe('Error');
      expect(hsWrong.message).not.toContain('wrong-token-4242');
    } finally {
      await hubspot.stop();
    }
  }, 120_000);
});

describe('CRM Bridge Pipedrive credential and CRM operations in a real n8n, against the Pipedrive emulator', () => {
  const API_TOKEN = 'pd-e2e-token-SECRET-7e1c';
  const oauthClient = {
    clientId: 'pd-e2e-client',
    clientSecret: 'pd-e2e-client-SECRET-51aa',
    refreshToken: 'pd-e2e-refresh-SECRET-c0de',
  };
  const pipedrive = new PipedriveEmulator({ tokens: [API_TOKEN] });
  const oauthPipedrive = new PipedriveEmulator({ oauthClients: [oauthClient] });
  let baseUrl: string;
  let oauthUrl: string;
  beforeAll(async () => {
    baseUrl = await pipedrive.start();
    oauthUrl = await oauthPipedrive.start();
    // P-1 already holds what the workflow sends (unchanged); P-2 has an old name (updated).
    const environment = { PIPEDRIVE_API_TOKEN: API_TOKEN, PIPEDRIVE_BASE_URL: baseUrl };
    await seedThroughConnector('pipedrive', environment, 'persons', 'Legacy person ID', [
      { key: 'P-1', properties: { name: 'Ada Lovelace', email: 'ada@example.com', Segment: 'Enterprise' } },
      { key: 'P-2', properties: { name: 'Grace', email: 'grace@example.com' } },
    ]);
  });
  afterAll(async () => Promise.all([pipedrive.stop(), oauthPipedrive.stop()]));

  it('upserts persons, then deals pointing at them by Pipedrive ID with a stage by name, reads with a cursor and describes deals', async () => {
    const wf = readWorkflow('crm-pipedrive-persons-and-deals.json');
    const run = await runWorkflow({
      workflow: wf,
      credentials: [pipedriveCredential('crmBridgePipedrive1', API_TOKEN, baseUrl)],
      customExtensionsDir: DIST,
    });
    expect(run.errorMessage).toBeUndefined();
    expect(run.status).toBe('success');
    const persons = nodeOutput(run.runData, 'Upsert Persons') as Array<{
      key: string;
      status: string;
      id: string | null;
      error: string | null;
    }>;
    expect(persons.map((r) => [r.key, r.status])).toEqual([
      ['P-1', 'unchanged'],
      ['P-2', 'updated'],
      ['P-3', 'created'],
      ['', 'failed'],
      ['P-4', 'failed'],
    ]);
    expect(persons[3]!.error).toBe('no value for the key property "Legacy person ID"');
    expect(persons[4]!.error).toMatch(/Option "Gold" does not exist/);
    for (const r of persons) expect(JSON.stringify(r)).not.toContain(API_TOKEN);
    expect(pipedrive.store.get('persons', Number(persons[1]!.id))!.name).toBe('Grace Hopper');

    const deals = nodeOutput(run.runData, 'Upsert Deals') as Array<{ key: string; status: string; id: string | null }>;
    expect(deals.map((r) => [r.key, r.status])).toEqual([
      ['D-P-1', 'created'],
      ['D-P-2', 'created'],
      ['D-P-3', 'created'],
    ]);
    deals.forEach((d, i) => {
      // Partners / Qualified is stage 3 (Sales has a "Qualified" too: the pipeline decides).
      expect(pipedrive.store.get('deals', Number(d.id))).toMatchObject({
        person_id: Number(persons[i]!.id),
        pipeline_id: 2,
        stage_id: 3,
        value: 1000,
      });
    });

    const legacy = 'Legacy person ID';
    const page = nodeOutput(run.runData, 'Read Persons') as Array<{
      id: string;
      modifiedAt: string;
      properties: Record<string, string | null>;
      nextCursor?: string | null;
    }>;
    expect(page).toHaveLength(2);
    expect(page[0]!.properties).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', [legacy]: 'P-1' });
    expect(page[1]!.nextCursor).toBe(`${page[1]!.modifiedAt}|${page[1]!.id}`);
    const rest = nodeOutput(run.runData, 'Read Rest') as Array<{
      properties: Record<string, string | null>;
      nextCursor?: string | null;
    }>;
    expect(rest).toHaveLength(1);
    expect(rest[0]!.nextCursor).toBeNull();
    expect([...page, ...rest].map((r) => r.properties[legacy]).sort()).toEqual(['P-1', 'P-2', 'P-3']);

    const fields = nodeOutput(run.runData, 'Describe Deals') as Array<{
      crm: string;
      object: string;
      name: string;
      label: string;
      options?: string[];
    }>;
    expect(fields[0]).toMatchObject({ crm: 'pipedrive', object: 'deals' });
    expect(fields.find((f) => f.label === 'Legacy deal ID')!.name).toMatch(/^[0-9a-f]{40}$/);
    expect(fields.find((f) => f.name === 'status')!.options).toEqual(['open', 'won', 'lost']);
  }, 120_000);

  it('tests API-token and OAuth credentials (GET /v1/users/me) without echoing secrets', async () => {
    const { CrmBridge } = require(
      path.join(DIST, 'nodes', 'CrmBridge', 'CrmBridge.node.js'),
    ) as typeof import('../../../nodes/CrmBridge/CrmBridge.node');
    const test = new CrmBridge().methods.credentialTest.crmBridgePipedriveTest;
    const check = (data: Record<string, string>) =>
      test.call({} as never, { id: '3', name: 'pd', type: 'crmBridgePipedriveApi', data });
    const before = pipedrive.requestsTo('/v1/users/me').length;
    expect((await check({ authentication: 'apiToken', apiToken: API_TOKEN, baseUrl })).status).toBe('OK');
    expect(pipedrive.requestsTo('/v1/users/me')).toHaveLength(before + 1);
    const wrong = await check({ authentication: 'apiToken', apiToken: 'pd-wrong-token-SECRET-0b0e', baseUrl });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).toMatch(/401/);
    expect(wrong.message).not.toContain('pd-wrong-token-SECRET-0b0e');
    const oauth = { authentication: 'oauth', ...oauthClient, oauthUrl, baseUrl: oauthUrl };
    expect(await check(oauth)).toMatchObject({ status: 'OK' });
    expect(oauthPipedrive.requestsTo('/oauth/token')).toHaveLength(1);
    const badSecret = await check({ ...oauth, clientSecret: 'pd-bad-client-SECRET-9999' });
    expect(badSecret.status).toBe('Error');
    expect(badSecret.message).toMatch(/invalid_client/);
    for (const secret of ['pd-bad-client-SECRET-9999', oauthClient.refreshToken])
      expect(badSecret.message).not.toContain(secret);
  }, 60_000);
});
