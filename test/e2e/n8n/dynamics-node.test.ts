import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsEmulator } from '../../../sandbox/dynamics';
import { DIST, readWorkflow } from './fixtures';
import { nodeOutput, runWorkflow } from './run-workflow';

// The Dynamics 365 credential and the CRM operations in a real n8n, against the Dynamics emulator (client
// credentials from its token endpoint, as an app registration signs in).
describe('CRM Bridge Dynamics 365 credential and CRM operations in a real n8n, against the Dynamics emulator', () => {
  const APP = { tenantId: 'e2e-tenant', clientId: 'e2e-app', clientSecret: 'dyn-e2e-SECRET-41d7' };
  const emulator = new DynamicsEmulator({ apps: [APP] });
  let url: string;
  beforeAll(async () => {
    url = await emulator.start();
  });
  afterAll(async () => emulator.stop());

  it('upserts accounts by an alternate key, reads them back and describes the table through a crmBridgeDynamicsApi credential', async () => {
    const run = await runWorkflow({
      workflow: readWorkflow('crm-dynamics-accounts.json'),
      credentials: [
        {
          id: 'crmBridgeDynamics1',
          name: 'Dynamics emulator',
          type: 'crmBridgeDynamicsApi',
          data: { url, authentication: 'clientCredentials', ...APP, authorityUrl: url },
        },
      ],
      customExtensionsDir: DIST,
    });
    expect(run.errorMessage).toBeUndefined();
    expect(run.status).toBe('success');
    const upserted = nodeOutput(run.runData, 'Upsert Accounts') as Array<{
      key: string;
      status: string;
      error: string | null;
    }>;
    expect(upserted.map((r) => [r.key, r.status])).toEqual([
      ['D-1', 'created'],
      ['D-2', 'created'],
      ['', 'failed'],
    ]);
    for (const r of upserted) expect(JSON.stringify(r)).not.toContain(APP.clientSecret);
    const read = nodeOutput(run.runData, 'Read Accounts') as Array<{ properties: Record<string, string | null> }>;
    expect(read.map((r) => r.properties).sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: 'Fabrikam', new_legacyid: 'D-1', new_tier: 'Gold', numberofemployees: null },
      { name: 'Northwind', new_legacyid: 'D-2', new_tier: null, numberofemployees: '120' },
    ]);
    const fields = nodeOutput(run.runData, 'Describe Account') as Array<{
      crm: string;
      name: string;
      options?: string[];
    }>;
    expect(fields[0]).toMatchObject({ crm: 'dynamics' });
    expect(fields.find((f) => f.name === 'new_tier')!.options).toEqual(['Gold', 'Silver', 'Bronze']);
  }, 120_000);
});
