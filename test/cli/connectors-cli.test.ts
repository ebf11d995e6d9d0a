import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { countsOf, readArgs, readLines, runCli, upsertArgs } from '../helpers/cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-connectors-cli-'));
const salesforce = new SalesforceEmulator();
const hubspot = new HubSpotEmulator({ tokens: ['hub-secret-token'] });
const pipedrive = new PipedriveEmulator({ tokens: ['pd-secret-token'] });
pipedrive.store.addCustomField('persons', 'Legacy ID', 'varchar');
let env: Record<string, string>;

const cli = (...args: string[]) => runCli(env, ...args);
const upsert = (crm: string, object: string, key: string, input: string) =>
  cli('--json', ...upsertArgs(crm, object, key, input));
/** Writes `records` as JSON lines to `file` in the test's folder; returns its path. */
function jsonLines(file: string, records: Array<Record<string, string>>): string {
  const input = path.join(tmp, file);
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n'));
  return input;
}

beforeAll(async () => {
  env = {
    SALESFORCE_INSTANCE_URL: await salesforce.start(),
    SALESFORCE_CLIENT_ID: 'emulator-client',
    SALESFORCE_CLIENT_SECRET: 'emulator-secret',
    HUBSPOT_BASE_URL: await hubspot.start(),
    HUBSPOT_ACCESS_TOKEN: 'hub-secret-token',
    PIPEDRIVE_BASE_URL: await pipedrive.start(),
    PIPEDRIVE_API_TOKEN: 'pd-secret-token',
  };
});
afterAll(async () => Promise.all([salesforce.stop(), hubspot.stop(), pipedrive.stop()]));

describe('crm-bridge read and upsert against the emulators, configured from the environment', () => {
  it('upserts a CSV into Salesforce by external ID, then again with nothing new, and reads it back as JSON lines', async () => {
    const input = path.join(tmp, 'accounts.csv');
    writeFileSync(input, 'Legacy_Id__c,Name,NumberOfEmployees\nL-1,Acme Ltd,120\nL-2,Globex PLC,40\nL-3,,5\n');
    const first = await upsert('salesforce', 'Account', 'Legacy_Id__c', input);
    // L-3 has no Name, which Account requires: it fails on its own, with the reason, and the exit code says so.
    expect(first.code).toBe(5);
    const { result } = JSON.parse(first.stdout) as {
      result: { counts: Record<string, number>; failures: Array<{ key: string; error: string }> };
    };
    expect(result.counts).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(result.failures).toEqual([{ key: 'L-3', status: 'failed', error: expect.stringMatching(/Name/) }]);

    const again = await upsert('salesforce', 'Account', 'Legacy_Id__c', input);
    expect(countsOf(again).created).toBe(0);

    const read = await cli(...readArgs('salesforce', 'Account', 'Name,Legacy_Id__c,NumberOfEmployees'));
    expect(read.code).toBe(0);
    const lines = readLines(read);
    expect(lines.map((l) => l.properties.Name).sort()).toEqual(['Acme Ltd', 'Globex PLC']);
    expect(lines.find((l) => l.properties.Legacy_Id__c === 'L-1')!.properties.NumberOfEmployees).toBe('120');
    expect(read.stderr).toMatch(/^read 2 Account record\(s\); continue with --since '.+\|.{18}'\n$/);
  }, 60_000);

  it('upserts JSON lines into HubSpot and reads them back incrementally', async () => {
    const input = jsonLines('companies.jsonl', [
      { legacy_company_id: 'C-1', name: 'Acme Ltd', domain: 'acme.co.uk' },
      { legacy_company_id: 'C-2', name: 'Globex', domain: 'globex.com' },
    ]);
    // The CRM named as the vendor writes it: names are taken in any case.
    const up = await upsert('HubSpot', 'companies', 'legacy_company_id', input);
    expect(up.code).toBe(0);
    expect(countsOf(up)).toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      failed: 0,
    });
    const read = await cli(...readArgs('hubspot', 'companies', 'name,domain,legacy_company_id'));
    const names = readLines(read).map((l) => l.properties.name);
    expect(names.sort()).toEqual(['Acme Ltd', 'Globex']);
    const cursor = /--since '(.+)'/.exec(read.stderr)![1]!;
    const after = await cli('read', '--from', 'hubspot', '--object', 'companies', '--since', cursor);
    expect(after.stdout).toBe('');
    expect(after.stderr).toBe('read 0 companies record(s)\n');
  }, 60_000);

  it('upserts persons into Pipedrive by a custom "Legacy ID" field, and a re-run creates nothing', async () => {
    const input = jsonLines('persons.jsonl', [
      { 'Legacy ID': 'P-1', name: 'Bill Smith' },
      { 'Legacy ID': 'P-2', name: 'Liz Jones' },
    ]);
    const first = await upsert('pipedrive', 'persons', 'Legacy ID', input);
    expect(first.code).toBe(0);
    expect(countsOf(first)).toMatchObject({ created: 2, failed: 0 });
    const again = await upsert('pipedrive', 'persons', 'Legacy ID', input);
    expect(countsOf(again)).toMatchObject({ created: 0, failed: 0 });
    const read = await cli('read', '--from', 'pipedrive', '--object', 'persons');
    expect(
      readLines(read)
        .map((l) => l.properties.name)
        .sort(),
    ).toEqual(['Bill Smith', 'Liz Jones']);
  }, 60_000);

  it('refuses a missing connection or a bad token clearly, without echoing the token', async () => {
    const missing = await runCli({}, 'read', '--from', 'salesforce', '--object', 'Account');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No Salesforce connection: set SALESFORCE_INSTANCE_URL');
    env.HUBSPOT_ACCESS_TOKEN = 'wrong-secret-token';
    const bad = await cli('read', '--from', 'hubspot', '--object', 'companies');
    env.HUBSPOT_ACCESS_TOKEN = 'hub-secret-token';
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/401|authenticat/i);
    expect(bad.stderr).not.toContain('wrong-secret-token');
  }, 60_000);
});
