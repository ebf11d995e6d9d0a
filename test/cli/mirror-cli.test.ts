/**
 * `crm-bridge mirror --from hubspot` as a user runs it: the built CLI against the HubSpot emulator seeded with the
 * example portal, on an empty database. Counts, tables, exit codes and the --json envelope.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../core/db/database';
import type { MirrorReport } from '../../core/mirror/schemas';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { migratedHome } from '../helpers/embedded-home';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { ROOT } from '../helpers/example-data';

const exec = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const TOKEN = 'pat-na1-mirror-cli-secret';
const home = migratedHome(path.join(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mirror-cli-')), 'home'));
// The seeded portal has companies and contacts only; the mapping's deals and engagements are not asked for.
const OBJECTS = ['--object', 'companies', 'contacts'];
let server: TestDatabase | undefined;
let emulator: HubSpotEmulator;
let hubspotUrl: string;

async function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const db = server?.url ? ['--db', server.url] : ['--home', home];
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...db, ...args], {
      maxBuffer: 64 << 20,
      env: { PATH: process.env.PATH ?? '', HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspotUrl, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The CLI's database, opened between runs (the embedded one serves one process at a time). */
async function inDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  if (server) return fn(server.db);
  const db = await openDatabase({ home });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const mirrorTables = () =>
  inDatabase(async (db) =>
    (
      await db.pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'hubspot' ORDER BY 1`,
      )
    ).rows.map((r) => r.table_name),
  );
const count = (table: string) =>
  inDatabase(
    async (db) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM hubspot.${table}`)).rows[0]!.n,
  );

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<string> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  await new Promise((resolve) => listener.close(resolve));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  server = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  // The limit lifted: these tests count records, not rate windows.
  emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
  // 300 of each: several pages of reads and more than a plan's 200 lines, without copying the whole portal.
  seedHubSpotPortal(emulator, { objects: ['companies', 'contacts'], firstRows: 300 });
  hubspotUrl = await emulator.start();
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
  await server?.drop();
});

describe('crm-bridge mirror --from hubspot', () => {
  it('plans on an empty database without creating a table, copies everything the first time, and writes nothing the second time', async () => {
    const companies = emulator.store.count('companies');
    const contacts = emulator.store.count('contacts');

    const plan = await cli({}, '--json', 'mirror', '--from', 'hubspot', ...OBJECTS, '--dry-run', '--plan-limit', '5');
    expect(plan.code, plan.stderr).toBe(0);
    const planned = (JSON.parse(plan.stdout) as { ok: boolean; result: MirrorReport }).result;
    expect(planned.sync).toMatchObject({ dryRun: true, status: 'succeeded', job: 'hubspot-mirror' });
    expect(planned.sync.streams.map((s) => [s.stream, s.counts.created])).toEqual([
      ['companies', companies],
      ['contacts', contacts],
    ]);
    expect(planned.sync.plan.map((e) => e.action)).toEqual(Array(5).fill('create'));
    expect(planned.sync.planOmitted).toBe(companies + contacts - 5);
    expect(planned.tables).toEqual({});
    expect(await mirrorTables()).toEqual([]);

    const first = await cli({}, '--json', 'mirror', '--from', 'hubspot', ...OBJECTS);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { ok: boolean; result: MirrorReport };
    expect(report.ok).toBe(true);
    expect(report.result.sync.status).toBe('succeeded');
    expect(report.result.sync.streams.map((s) => [s.stream, s.counts.created, s.counts.failed])).toEqual([
      ['companies', companies, 0],
      ['contacts', contacts, 0],
    ]);
    expect(report.result.tables).toEqual({
      companies: { created: true, columnsAdded: [] },
      contacts: { created: true, columnsAdded: [] },
    });
    expect(report.result.removed).toEqual({ companies: 0, contacts: 0 });
    expect(await mirrorTables()).toEqual(['companies', 'contacts']);
    expect([await count('companies'), await count('contacts')]).toEqual([companies, contacts]);
    const sample = emulator.store
      .records('companies')
      .find((r) => r.properties.legacy_company_id && r.properties.name)!;
    const row = await inDatabase(
      async (db) =>
        (
          await db.pool.query<{ name: string; legacy_company_id: string }>(
            'SELECT name, legacy_company_id FROM hubspot.companies WHERE hs_object_id = $1',
            [sample.id],
          )
        ).rows[0],
    );
    expect(row).toEqual({ name: sample.properties.name, legacy_company_id: sample.properties.legacy_company_id });

    // As a person reads it: the headline, then a row per object with created, updated and removed all 0.
    const second = await cli({}, 'mirror', '--from', 'hubspot', ...OBJECTS);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.split('\n')[0]).toMatch(/^Run [0-9a-f-]{36} of hubspot-mirror: succeeded/);
    expect(second.stdout).toMatch(
      /│ object +│ read +│ read again +│ created +│ updated +│ unchanged +│ removed +│ failed +│ status +│/,
    );
    for (const object of ['companies', 'contacts'])
      expect(second.stdout).toMatch(
        new RegExp(`│ ${object} +│ \\d+ +│ \\d+ +│ 0 +│ 0 +│ \\d+ +│ 0 +│ 0 +│ succeeded +│`),
      );
    expect(second.stdout).not.toContain('table(s) created');
    expect([await count('companies'), await count('contacts')]).toEqual([companies, contacts]);
  }, 300_000);

  it('refuses an object the mapping lacks and a CRM other than hubspot (exit 2), and says HubSpot cannot be reached (exit 6) without the token', async () => {
    const unknown = await cli({}, '--json', 'mirror', '--from', 'hubspot', '--object', 'tickets');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('it has: companies, contacts, deals, engagements') },
    });

    const salesforce = await cli({}, 'mirror', '--from', 'salesforce');
    expect(salesforce.code).toBe(2);
    expect(salesforce.stderr).toContain('mirror copies from hubspot');

    const deadUrl = await closedPort();
    const unreachable = await cli({ HUBSPOT_BASE_URL: deadUrl }, '--json', 'mirror', '--from', 'hubspot', ...OBJECTS);
    expect(unreachable.code, unreachable.stdout).toBe(6);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'crm', message: expect.stringContaining(`HubSpot at ${deadUrl} cannot be reached`) },
    });
    expect(unreachable.stdout + unreachable.stderr).not.toContain(TOKEN);
  }, 120_000);
});
