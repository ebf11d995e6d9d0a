import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import {
  buildHubSpotRequest,
  buildPipedriveRequest,
  buildSalesforceRequest,
  deliver,
  salesforceId,
} from '../../sandbox/webhooks';
import { migratedHome } from '../helpers/embedded-home';
import { ROOT } from '../helpers/example-data';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const HUBSPOT_SECRET = 'cli-hubspot-secret-5d1e8a';
const PIPEDRIVE_PASSWORD = 'cli-pipedrive-password-93kq';
const ORG_ID = '00D000000000062EAA';

/** JSON documents printed one after another (pretty-printed, each closed by a `}` at column 0). */
function documents(text: string): Array<Record<string, unknown>> {
  return text
    .split(/^\}$/m)
    .filter((chunk) => chunk.trim())
    .map((chunk) => JSON.parse(`${chunk}}`) as Record<string, unknown>);
}

describe('crm-bridge serve', () => {
  it('serves the configured vendors on a free port, counts outcomes, and prints them when stopped', async () => {
    const home = migratedHome(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-serve-')));
    const settingsFile = path.join(home, 'webhooks.json');
    writeFileSync(
      settingsFile,
      JSON.stringify({ hubspot: { clientSecret: HUBSPOT_SECRET }, salesforce: { organizationId: ORG_ID } }),
    );
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PIPEDRIVE_WEBHOOK_USER: 'hook',
      PIPEDRIVE_WEBHOOK_PASSWORD: PIPEDRIVE_PASSWORD,
    };
    // A database of its own on a server: the counts asserted below must not include other runs' webhooks.
    const temporary = process.env.DATABASE_URL
      ? await createTemporaryDatabase(process.env.DATABASE_URL, 'crm_bridge_test')
      : null;
    if (temporary) env.DATABASE_URL = temporary.url;
    onTestFinished(async () => {
      await temporary?.drop();
    });
    const child = spawn(
      process.execPath,
      [BIN, '--json', '--home', home, 'serve', '--port', '0', '--webhook-settings', settingsFile],
      { env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = Date.now();
    while (!/^\}$/m.test(stdout)) {
      // The embedded database's first start (WASM, then every migration) takes 20-40 s on a busy 2-core machine.
      if (child.exitCode !== null || Date.now() - started > 120_000)
        throw new Error(`serve did not start (exit ${child.exitCode}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready = (documents(stdout)[0] as { result: { listening: string; paths: string[] } }).result;
    // File settings for HubSpot and Salesforce, the environment fills in Pipedrive.
    expect(ready.paths).toEqual(['hubspot', 'pipedrive', 'salesforce'].map((s) => `${ready.listening}/webhooks/${s}`));

    const hub = buildHubSpotRequest(
      `${ready.listening}/webhooks/hubspot`,
      [{ object: 'contacts', recordId: '42', action: 'update' }],
      { clientSecret: HUBSPOT_SECRET },
    );
    expect((await deliver(hub)).status).toBe(200);
    expect((await deliver(hub)).status).toBe(200);
    const forged = buildHubSpotRequest(
      `${ready.listening}/webhooks/hubspot`,
      [{ object: 'contacts', recordId: '43', action: 'update' }],
      { clientSecret: 'guessed-secret' },
    );
    expect((await deliver(forged)).status).toBe(401);
    const pd = buildPipedriveRequest(
      `${ready.listening}/webhooks/pipedrive`,
      { object: 'deals', recordId: '8', action: 'create' },
      { user: 'hook', password: PIPEDRIVE_PASSWORD },
    );
    expect((await deliver(pd)).status).toBe(200);
    const sf = await deliver(
      buildSalesforceRequest(
        `${ready.listening}/webhooks/salesforce`,
        [{ object: 'Contact', recordId: salesforceId('003'), action: 'create' }],
        { organizationId: ORG_ID },
      ),
    );
    expect(sf.body).toContain('<Ack>true</Ack>');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const summary = (
      documents(stdout)[1] as {
        result: {
          totals: Record<string, number>;
          counts: Array<{ system: string; outcome: string; reason: string; count: number }>;
        };
      }
    ).result;
    expect(summary.totals).toEqual({ accepted: 3, replayed: 1, rejected: 1, ignored: 0 });
    expect(summary.counts).toContainEqual({
      system: 'hubspot',
      outcome: 'rejected',
      reason: 'bad-signature',
      count: 1,
    });
    const logLines = stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { outcome: string });
    expect(logLines.map((l) => l.outcome)).toEqual(['accepted', 'accepted', 'rejected', 'accepted', 'accepted']);
    for (const secret of [HUBSPOT_SECRET, PIPEDRIVE_PASSWORD]) expect(stdout + stderr).not.toContain(secret);
  }, 180_000);

  it('exits with the usage code when no vendor is configured', async () => {
    const child = spawn(process.execPath, [BIN, '--json', '--home', 'memory://', 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('No webhook settings') },
    });
  }, 30_000);
});
