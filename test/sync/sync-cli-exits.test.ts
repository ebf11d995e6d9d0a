import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { runCli, spawnCli } from '../helpers/cli';
import { databaseForProcess } from '../helpers/database';
import { migratedHome } from '../helpers/embedded-home';
import { loansJob, startSandbox, type Sandbox } from './fixtures';
import { disagreements } from './processes';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-sync-exits-'));
const HS_TOKEN = 'hub-exit-test-token-0123';
let box: Sandbox;
let hubspot: HubSpotEmulator;
let hubspotUrl: string;
let deadUrl: string;
let dropDatabase: (() => Promise<void>) | undefined;
let database: Record<string, string>;

const cli = (env: Record<string, string>, ...args: string[]) => runCli({ ...database, ...env }, ...args);

const crms = () => ({
  ...box.environment,
  HUBSPOT_BASE_URL: hubspotUrl,
  HUBSPOT_ACCESS_TOKEN: HS_TOKEN,
});

function jobFile(name: string, edit: (job: ReturnType<typeof loansJob>) => void = () => undefined): string {
  const job = loansJob();
  edit(job);
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(job));
  return file;
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  hubspot = new HubSpotEmulator({ tokens: [HS_TOKEN] });
  hubspotUrl = await hubspot.start();
  deadUrl = await closedPort();
}, 60_000);
beforeEach(async () => {
  await box?.stop();
  box = await startSandbox();
  await dropDatabase?.();
  ({ env: database, drop: dropDatabase } = await databaseForProcess());
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await hubspot.stop();
  await dropDatabase?.();
});

describe('crm-bridge sync says what happened, in its headline, its --json and its exit code', () => {
  it('a job whose target field does not exist: the dry run fails with exit code 2 naming the field, and nothing is written', async () => {
    const file = jobFile('bad-target', (job) => (job.streams[1]!.properties[1]!.to = 'foo'));
    for (const args of [['--dry-run'], []]) {
      const result = await cli(crms(), '--json', 'sync', '--job', file, ...args);
      expect(result.code, result.stderr).toBe(2);
      const out = JSON.parse(result.stdout) as { ok: boolean; error: { kind: string; message: string } };
      expect(out).toMatchObject({ ok: false, error: { kind: 'usage' } });
      expect(out.error.message).toContain(
        'streams[1].properties[1].to: Pipedrive deals has no field "foo" (target of stream loans)',
      );
    }
    expect(box.pd.writes).toEqual({ created: 0, updated: 0 });
    // An unknown source field is named the same way (it used to end "partial" with exit code 0).
    const source = await cli(
      crms(),
      'sync',
      '--job',
      jobFile('bad-source', (job) => (job.streams[1]!.properties[1]!.from = 'Loan_Amount__c')),
    );
    expect(source.code).toBe(2);
    expect(source.stderr).toContain(
      'streams[1].properties[1].from: Salesforce Loan__c has no field "Loan_Amount__c" (source of stream loans)',
    );
  }, 120_000);

  it('records the target refuses: exit code 5, and the first line says partial and why', async () => {
    for (const id of box.loans.filter((_, i) => i % 3 !== 2))
      box.pd.faults.failRecord(id, 'Validation failed: value: must be at least 5000');
    const file = jobFile('loans');
    const text = await cli(crms(), 'sync', '--job', file);
    expect(text.code).toBe(5);
    const headline = text.stdout.split('\n')[0]!;
    expect(headline).toMatch(
      /^Run [0-9a-f-]{36} of loans-to-pipedrive: partial — loans: 20 failed: deals …: .*Validation failed: value: must be at least 5000/,
    );
    expect(text.stderr).toBe(`crm-bridge: ${headline}\n`);

    // Again, reading nothing new (no look-back): only the 20 waiting loans are tried, and refused again. Not one record
    // went through, so the run failed; records were set aside, not a stream stopped, so the exit code is still 5.
    const json = await cli(
      crms(),
      '--json',
      'sync',
      '--job',
      jobFile('loans-no-lookback', (job) => (job.lookbackSeconds = 0)),
    );
    expect(json.code).toBe(5);
    const out = JSON.parse(json.stdout) as {
      ok: boolean;
      result: { status: string; headline: string; streams: Array<{ stream: string; status: string }> };
      error: { kind: string; message: string };
    };
    expect(out.ok).toBe(false);
    expect(out.result.status).toBe('failed');
    expect(out.result.headline).toMatch(/: failed — loans: 20 failed: deals …: .*must be at least 5000/);
    expect(out.result.streams.map((s) => [s.stream, s.status])).toEqual([
      ['borrowers', 'succeeded'],
      ['loans', 'failed'],
    ]);
    expect(out.error).toEqual({ kind: 'partial', message: out.result.headline });
  }, 120_000);

  it('a CRM that cannot be reached or refuses the credentials: exit code 6 for sync, read and upsert, naming the CRM and its URL, never the token', async () => {
    const file = jobFile('loans');
    const input = path.join(tmp, 'one.jsonl');
    writeFileSync(
      input,
      `${JSON.stringify({ 'Salesforce ID': 'X-1', name: 'Ada Lovelace', Legacy_Id__c: 'X-1', Name: 'Acme', legacy_company_id: 'X-1' })}\n`,
    );
    const cases: Array<{
      what: string;
      env: Record<string, string>;
      commands: string[][];
      says: string;
      secret?: string;
    }> = [
      {
        what: 'Pipedrive unreachable',
        env: { PIPEDRIVE_BASE_URL: deadUrl },
        commands: [
          ['sync', '--job', file],
          ['read', '--from', 'pipedrive', '--object', 'deals'],
          ['upsert', '--to', 'pipedrive', '--object', 'persons', '--key', 'Salesforce ID', '--input', input],
        ],
        says: `Pipedrive at ${deadUrl} cannot be reached`,
      },
      {
        what: 'Pipedrive 401',
        env: { PIPEDRIVE_API_TOKEN: 'pd-wrong-token-987654' },
        commands: [
          ['sync', '--job', file],
          ['read', '--from', 'pipedrive', '--object', 'deals'],
          ['upsert', '--to', 'pipedrive', '--object', 'persons', '--key', 'Salesforce ID', '--input', input],
        ],
        says: `Pipedrive at ${box.pdUrl} refused the credentials`,
        secret: 'pd-wrong-token-987654',
      },
      {
        what: 'Salesforce unreachable',
        env: { SALESFORCE_INSTANCE_URL: deadUrl },
        commands: [
          ['sync', '--job', file],
          ['read', '--from', 'salesforce', '--object', 'Loan__c'],
          ['upsert', '--to', 'salesforce', '--object', 'Account', '--key', 'Legacy_Id__c', '--input', input],
        ],
        says: deadUrl,
      },
      {
        what: 'Salesforce refusing the client secret',
        env: { SALESFORCE_CLIENT_SECRET: 'sf-wrong-secret-987654' },
        commands: [
          ['sync', '--job', file],
          ['read', '--from', 'salesforce', '--object', 'Loan__c'],
        ],
        says: `[Salesforce at ${box.sfUrl}]`,
        secret: 'sf-wrong-secret-987654',
      },
      {
        what: 'Salesforce refusing the session',
        env: {
          SALESFORCE_CLIENT_ID: '',
          SALESFORCE_CLIENT_SECRET: '',
          SALESFORCE_ACCESS_TOKEN: '00Dxx0000001gPL!AQ4AQWrongSession',
        },
        commands: [['upsert', '--to', 'salesforce', '--object', 'Account', '--key', 'Legacy_Id__c', '--input', input]],
        says: `INVALID_SESSION_ID`,
        secret: '00Dxx0000001gPL!AQ4AQWrongSession',
      },
      {
        what: 'HubSpot unreachable',
        env: { HUBSPOT_BASE_URL: deadUrl },
        commands: [
          ['read', '--from', 'hubspot', '--object', 'companies'],
          ['upsert', '--to', 'hubspot', '--object', 'companies', '--key', 'legacy_company_id', '--input', input],
        ],
        says: `HubSpot at ${deadUrl} cannot be reached`,
      },
      {
        what: 'HubSpot 401',
        env: { HUBSPOT_ACCESS_TOKEN: 'hub-wrong-token-987654' },
        commands: [
          ['read', '--from', 'hubspot', '--object', 'companies'],
          ['upsert', '--to', 'hubspot', '--object', 'companies', '--key', 'legacy_company_id', '--input', input],
        ],
        says: `HubSpot at ${hubspotUrl} refused the credentials`,
        secret: 'hub-wrong-token-987654',
      },
    ];
    for (const c of cases) {
      for (const command of c.commands) {
        const result = await cli({ ...crms(), ...c.env }, '--json', ...command);
        const label = `${c.what}: ${command[0]}`;
        expect(result.code, `${label}: ${result.stdout}${result.stderr}`).toBe(6);
        const out = JSON.parse(result.stdout) as { ok: boolean; error: { kind: string; message: string } };
        expect(out, label).toMatchObject({ ok: false, error: { kind: 'crm' } });
        expect(out.error.message, label).toContain(c.says);
        if (c.secret) expect(result.stdout + result.stderr, label).not.toContain(c.secret);
      }
    }
    expect(box.pd.writes).toEqual({ created: 0, updated: 0 });
  }, 240_000);
});

describe('a sync killed with kill -9 on the embedded database', () => {
  it('is marked interrupted by the next sync-status at once, and the next run ends with nothing lost and nothing written twice', async () => {
    const home = { CRM_BRIDGE_HOME: migratedHome(mkdtempSync(path.join(tmp, 'kill-'))), DATABASE_URL: '' };
    const file = jobFile('loans');
    box.pd.faults.slow(20);
    const start = box.pd.log.length;
    const { child } = spawnCli({ ...crms(), ...home }, 'sync', '--job', file, '--json');
    const timer = setInterval(() => box.pd.log.length - start >= 12 && child.kill('SIGKILL'), 3);
    const signal = await new Promise((resolve) => child.once('exit', (_, s) => resolve(s)));
    clearInterval(timer);
    expect(signal).toBe('SIGKILL');
    box.pd.faults.slow(0);

    const status = await cli({ ...home }, '--json', 'sync-status', '--job', file);
    expect(status.code, status.stdout).toBe(0);
    const runs = (
      JSON.parse(status.stdout) as {
        result: { runs: Array<{ status: string; error: string | null; owner: { pid: number } | null }> };
      }
    ).result.runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'interrupted', owner: { pid: child.pid } });
    expect(runs[0]!.error).toContain(
      `its process (pid ${child.pid} on ${os.hostname()}) stopped before the run finished`,
    );

    const again = await cli({ ...crms(), ...home }, '--json', 'sync', '--job', file);
    expect(again.code, again.stdout).toBe(0);
    expect(disagreements(box, new Set())).toEqual([]);
    expect(box.pd.writes.created).toBe(box.pd.store.all('persons').length + box.pd.store.all('deals').length);
  }, 180_000);
});
