import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsEmulator } from '../../../sandbox/dynamics';
import { seedDynamicsExample } from '../../../sandbox/examples/dynamics';
import { connectionsFromEnv, loadConnections } from '../../../core/connectors/registry';
import { countsOf, readArgs, readLines, runCli, upsertArgs } from '../../helpers/cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-dynamics-cli-'));
const SECRET = 'dyn-client-secret-4f1e';
const emulator = new DynamicsEmulator({ apps: [{ tenantId: 'contoso', clientId: 'cli-app', clientSecret: SECRET }] });
let env: Record<string, string>;

const cli = (...args: string[]) => runCli(env, ...args);
const upsertAccounts = (input: string) => cli('--json', ...upsertArgs('dynamics', 'account', 'new_legacyid', input));

beforeAll(async () => {
  seedDynamicsExample(emulator);
  const url = await emulator.start();
  env = {
    DYNAMICS_URL: url,
    DYNAMICS_AUTHORITY_URL: url,
    DYNAMICS_TENANT_ID: 'contoso',
    DYNAMICS_CLIENT_ID: 'cli-app',
    DYNAMICS_CLIENT_SECRET: SECRET,
  };
});
afterAll(() => emulator.stop());

describe('crm-bridge describe, read and upsert against the Dynamics emulator, configured from the environment', () => {
  it('takes the DYNAMICS_* variables, and a connections file entry over them', () => {
    expect(connectionsFromEnv(env).dynamics).toEqual({
      url: env.DYNAMICS_URL,
      authorityUrl: env.DYNAMICS_URL,
      tenantId: 'contoso',
      clientId: 'cli-app',
      clientSecret: SECRET,
    });
    const file = path.join(tmp, 'connections.json');
    writeFileSync(
      file,
      JSON.stringify({ dynamics: { url: 'https://contoso.crm.dynamics.com', accessToken: 'ready-token' } }),
    );
    expect(loadConnections(file, {}).dynamics).toEqual({
      url: 'https://contoso.crm.dynamics.com',
      accessToken: 'ready-token',
    });
    writeFileSync(file, JSON.stringify({ dynamics: { url: 'https://contoso.crm.dynamics.com', clientId: 'x' } }));
    expect(() => loadConnections(file, {})).toThrow(
      /dynamics: give an accessToken, or tenantId, clientId and clientSecret/,
    );
  });

  it('describes a table with its choices and keys', async () => {
    const text = await cli('describe', '--from', 'Dynamics', '--object', 'account');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^dynamics account: \d+ field\(s\), ID accountid/);
    expect(text.stdout).toMatch(/new_tier .*Customer Tier .*enum .*Gold; Silver; Bronze/);
    const json = await cli('--json', 'describe', '--from', 'dynamics', '--object', 'contacts');
    const result = JSON.parse(json.stdout).result as {
      object: string;
      fields: Array<{ name: string; unique?: boolean }>;
    };
    expect(result.object).toBe('contact');
    expect(result.fields.find((f) => f.name === 'new_legacyid')?.unique).toBe(true);
  });

  it('upserts a CSV by alternate key, again with nothing new, and reads it back as JSON lines', async () => {
    const input = path.join(tmp, 'accounts.csv');
    writeFileSync(
      input,
      'new_legacyid,name,new_tier,numberofemployees\n1001,Northwind Traders,Gold,50\n2001,Tailspin Toys,Silver,12\n2002,Wide World Importers,Bronze,\n',
    );
    const first = await upsertAccounts(input);
    expect(first.code).toBe(0);
    // 1001 is seeded with the same values: unchanged; the two others are new.
    expect(countsOf(first)).toEqual({ created: 2, updated: 0, unchanged: 1, failed: 0 });
    const again = await upsertAccounts(input);
    expect(countsOf(again)).toEqual({ created: 0, updated: 0, unchanged: 3, failed: 0 });
    const read = await cli(...readArgs('dynamics', 'account', 'name,new_tier,new_legacyid'));
    expect(read.code).toBe(0);
    const lines = readLines(read);
    expect(lines).toHaveLength(7);
    expect(lines.find((l) => l.properties.new_legacyid === '2002')?.properties).toEqual({
      name: 'Wide World Importers',
      new_tier: 'Bronze',
      new_legacyid: '2002',
    });
    expect(read.stderr).toMatch(/read 7 account record\(s\); continue with --since '.+\|.+'/);
  });

  it('fails per record with exit code and message naming record and column, never the secret', async () => {
    const input = path.join(tmp, 'bad.csv');
    writeFileSync(input, 'new_legacyid,name,new_tier\n3001,Good Co,Gold\n3002,Bad Co,Platinum\n');
    const result = await cli(...upsertArgs('dynamics', 'account', 'new_legacyid', input));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain(
      'failed new_legacyid=3002: account new_legacyid=3002: column new_tier: "Platinum" is not one of its choices',
    );
    const refused = await runCli(
      { ...env, DYNAMICS_CLIENT_SECRET: 'wrong-secret-value' },
      '--json',
      'describe',
      '--from',
      'dynamics',
      '--object',
      'account',
    );
    expect(refused.code).not.toBe(0);
    const body = JSON.parse(refused.stdout) as {
      ok: boolean;
      error: { kind: string; message: string };
    };
    expect(body.ok).toBe(false);
    expect(body.error.kind).toBe('crm');
    expect(body.error.message).toMatch(/AADSTS7000215/);
    expect(JSON.stringify(body)).not.toContain('wrong-secret-value');
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });
});
