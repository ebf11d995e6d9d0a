/**
 * The MCP tool refresh_mirror through the SDK's own client over stdio, against the HubSpot emulator seeded with the
 * example portal, on an empty database: plans without --allow-writes, refuses to write without it, and with it
 * copies, then copies only what changed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../core/db/database';
import type { MirrorReport } from '../../core/mirror/schemas';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { migratedHome } from '../helpers/embedded-home';
import { createTestDatabase, inDatabaseOf, type TestDatabase } from '../helpers/database';
import { connectMcpStdio, toolText } from '../helpers/mcp-stdio';

const TOKEN = 'pat-na1-mirror-mcp';
const OBJECTS = ['companies', 'contacts'];
let server: TestDatabase | undefined;
let home: string | undefined;
let emulator: HubSpotEmulator;
let env: Record<string, string>;
const text = toolText;

const connect = (args: string[]): Promise<Client> => connectMcpStdio(args, env, 'crm-bridge-mirror-test');

const inDatabase = <T>(fn: (db: Database) => Promise<T>): Promise<T> => inDatabaseOf(server, home, fn);
const mirrorTables = () =>
  inDatabase(async (db) =>
    (
      await db.pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'hubspot' ORDER BY 1`,
      )
    ).rows.map((r) => r.table_name),
  );

beforeAll(async () => {
  emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
  // 300 of each: several pages of reads and more than a plan's 200 lines, without copying the whole portal.
  seedHubSpotPortal(emulator, { objects: ['companies', 'contacts'], firstRows: 300 });
  env = { PATH: process.env.PATH ?? '', HUBSPOT_BASE_URL: await emulator.start(), HUBSPOT_ACCESS_TOKEN: TOKEN };
  if (process.env.DATABASE_URL) {
    server = await createTestDatabase();
    env.DATABASE_URL = server.url!;
  } else {
    home = migratedHome();
    env.CRM_BRIDGE_HOME = home;
  }
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
  await server?.drop();
});

describe('MCP refresh_mirror through a real MCP client', () => {
  it('without --allow-writes: says what it is, plans (nothing created), and refuses a real refresh', async () => {
    const client = await connect([]);
    try {
      const { tools } = await client.listTools();
      const tool = tools.find((t) => t.name === 'refresh_mirror')!;
      expect(tool.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      });
      expect(tool.description).toContain('--allow-writes');
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort()).toEqual(['dryRun', 'full', 'objects']);

      const refused = await client.callTool({ name: 'refresh_mirror', arguments: { objects: OBJECTS } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/^usage error: .*--allow-writes/);

      const plan = await client.callTool({ name: 'refresh_mirror', arguments: { objects: OBJECTS, dryRun: true } });
      expect(plan.isError, text(plan)).toBeFalsy();
      const report = plan.structuredContent as MirrorReport;
      expect(report.sync).toMatchObject({ dryRun: true, status: 'succeeded' });
      expect(report.sync.streams.map((s) => [s.stream, s.counts.created])).toEqual([
        ['companies', emulator.store.count('companies')],
        ['contacts', emulator.store.count('contacts')],
      ]);
      // Kept short for a model's context: 200 plan lines, the rest counted.
      expect(report.sync.plan).toHaveLength(200);
      expect(report.sync.planOmitted).toBe(emulator.store.count('companies') + emulator.store.count('contacts') - 200);
      expect(text(plan)).toContain(
        `companies: read ${emulator.store.count('companies')}, would create ${emulator.store.count('companies')}`,
      );

      const unknown = await client.callTool({
        name: 'refresh_mirror',
        arguments: { objects: ['tickets'], dryRun: true },
      });
      expect(unknown.isError).toBe(true);
      expect(text(unknown)).toContain('it has: companies, contacts, deals, engagements');
    } finally {
      await client.close();
    }
    expect(await mirrorTables()).toEqual([]);
  }, 180_000);

  it('with --allow-writes: copies everything, then only an edit made in HubSpot, and removes a record HubSpot archived', async () => {
    const client = await connect(['--allow-writes']);
    const [edited, archived] = emulator.store.records('companies').slice(5, 7);
    try {
      const first = await client.callTool({ name: 'refresh_mirror', arguments: { objects: OBJECTS } });
      expect(first.isError, text(first)).toBeFalsy();
      const report = first.structuredContent as MirrorReport;
      expect(report.sync.status).toBe('succeeded');
      expect(report.sync.streams.map((s) => [s.stream, s.counts.created, s.counts.failed])).toEqual([
        ['companies', emulator.store.count('companies'), 0],
        ['contacts', emulator.store.count('contacts'), 0],
      ]);
      expect(report.tables).toEqual({
        companies: { created: true, columnsAdded: [] },
        contacts: { created: true, columnsAdded: [] },
      });
      expect(text(first)).toContain('companies (table created)');

      emulator.userEdit('companies', edited!.id, { name: 'Renamed through HubSpot Ltd' });
      emulator.store.archive('companies', archived!.id);
      const second = await client.callTool({ name: 'refresh_mirror', arguments: { objects: OBJECTS } });
      expect(second.isError, text(second)).toBeFalsy();
      const again = second.structuredContent as MirrorReport;
      expect(again.sync.totals).toMatchObject({ created: 0, updated: 1, failed: 0 });
      expect(again.removed).toEqual({ companies: 1, contacts: 0 });
      expect(again.tables).toEqual({
        companies: { created: false, columnsAdded: [] },
        contacts: { created: false, columnsAdded: [] },
      });
    } finally {
      await client.close();
    }
    const rows: Record<string, unknown> | undefined = await inDatabase(
      async (db) =>
        (
          await db.pool.query<{ n: number; renamed: string | null; gone: number }>(
            `SELECT count(*)::int AS n, max(name) FILTER (WHERE hs_object_id = $1) AS renamed, count(*) FILTER (WHERE hs_object_id = $2)::int AS gone FROM hubspot.companies`,
            [edited!.id, archived!.id],
          )
        ).rows[0],
    );
    expect(rows).toEqual({ n: emulator.store.count('companies'), renamed: 'Renamed through HubSpot Ltd', gone: 0 });
  }, 240_000);
});
