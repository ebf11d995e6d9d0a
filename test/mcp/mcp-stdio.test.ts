import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedHome } from '../helpers/embedded-home';
import { connectMcpStdio, databaseEnv } from '../helpers/mcp-stdio';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, matchedWithUpdates, ROOT, truth } from '../helpers/example-data';

let t: TestDatabase;
let client: Client;
let home: string | undefined;

beforeAll(async () => {
  home = process.env.DATABASE_URL ? undefined : migratedHome(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mcp-')));
  t = await createTestDatabase({ embeddedHome: home });
  await loadExampleMirror(t.db);
  // The embedded database serves one process at a time: hand it over to the server.
  if (home) await t.db.close();
  client = await connectMcpStdio(['--allow-dir', path.join(ROOT, 'examples')], databaseEnv(t, home));
}, 120_000);

afterAll(async () => {
  await client?.close();
  if (t?.url) await t.drop();
});

describe('MCP server over stdio', () => {
  it('lists the tools with schemas and honest annotations', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(Object.keys(byName).sort()).toEqual([
      'apply_staging',
      'apply_sync',
      'decide_review_item',
      'describe_schema',
      'find_duplicates',
      'list_review_items',
      'lookup_by_legacy_id',
      'plan_apply',
      'plan_sync',
      'query_records',
      'reconcile',
      'reconciliation_status',
      'refresh_mirror',
      'resolve_conflicts',
      'suggest_field_mappings',
    ]);
    expect(byName.plan_apply!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.list_review_items!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.apply_staging!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.decide_review_item!.annotations).toMatchObject({ readOnlyHint: false });
    expect(byName.resolve_conflicts!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.suggest_field_mappings!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.lookup_by_legacy_id!.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    expect(byName.reconcile!.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(byName.reconcile!.inputSchema.required).toEqual(['object', 'legacyPath']);
    expect(byName.lookup_by_legacy_id!.outputSchema?.properties).toHaveProperty('propertiesToUpdate');
  });

  it('reconciles the example companies with the statuses the generator planted', async () => {
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await client.callTool(
      { name: 'reconcile', arguments: { object: 'companies', legacyPath: EXPORT_DIR } },
      undefined,
      {
        onprogress: (p) => progress.push(p),
        resetTimeoutOnProgress: true,
      },
    );
    expect(result.isError).toBeFalsy();
    // The first progress report goes out at once; later ones at most once a second.
    expect(progress[0]).toMatchObject({
      progress: expect.any(Number),
      message: expect.stringMatching(/^target: \d+ rows$/),
    });
    const expected = truth().objects.companies!;
    // ID matches as planted; the fuzzy fallback's split of the rest as measured (test/reconcile/example-data.test.ts scores it).
    const { matched, conflict, orphan } = expected.statuses;
    expect(result.structuredContent).toMatchObject({
      object: 'companies',
      matched,
      conflict,
      orphan,
      fuzzyMatch: 89,
      new: 185,
      quarantined: expected.quarantined.length,
    });
    expect((result.content as Array<{ text: string }>)[0]!.text).toContain('89 fuzzy match, 185 new');
  }, 120_000);

  it('looks a record up by legacy ID with its HubSpot ID and pending updates', async () => {
    const [legacyId, record] = matchedWithUpdates('companies');
    const result = await client.callTool({ name: 'lookup_by_legacy_id', arguments: { object: 'companies', legacyId } });
    const content = result.structuredContent as {
      status: string;
      targetId: string;
      propertiesToUpdate: Record<string, unknown>;
      targetRecords: unknown[];
    };
    expect(content.status).toBe('matched');
    expect(content.targetId).toBe(record.targetIds[0]);
    expect(Object.keys(content.propertiesToUpdate).sort()).toEqual([...record.updates].sort());
    expect(content.targetRecords).toHaveLength(1);
    expect((result.content as Array<{ text: string }>)[0]!.text).toContain(`-> ${record.targetIds[0]}`);
  });

  it('takes IDs and object names as clients send them: numbers, any case; a miss names the valid objects', async () => {
    const [legacyId, record] = matchedWithUpdates('companies');
    expect(legacyId).toMatch(/^\d+$/);
    // The MCP Inspector's `--tool-arg legacyId=1000` and many models send a numeric ID as a JSON number.
    const numeric = await client.callTool({
      name: 'lookup_by_legacy_id',
      arguments: { object: ' Companies', legacyId: Number(legacyId) },
    });
    expect(numeric.isError).toBeFalsy();
    expect(numeric.structuredContent).toMatchObject({
      object: 'companies',
      legacyId,
      status: 'matched',
      targetId: record.targetIds[0],
    });

    const unknown = await client.callTool({ name: 'lookup_by_legacy_id', arguments: { object: 'widgets', legacyId } });
    expect(unknown.isError).toBe(true);
    expect((unknown.content as Array<{ text: string }>)[0]!.text).toContain(
      'Object "widgets" is not in the mapping config (it has: companies, contacts, deals, engagements)',
    );

    const lossy = await client.callTool({
      name: 'lookup_by_legacy_id',
      arguments: { object: 'companies', legacyId: 2 ** 53 + 2 },
    });
    expect(lossy.isError).toBe(true);
    expect((lossy.content as Array<{ text: string }>)[0]!.text).toContain('send longer or decimal IDs as text');

    const page = await client.callTool({
      name: 'list_review_items',
      arguments: { object: 'COMPANIES', kind: 'fuzzy_match', limit: 1, after: 0 },
    });
    expect(page.isError).toBeFalsy();
    expect((page.structuredContent as { items: unknown[] }).items).toHaveLength(1);
  });

  it('reports the run in reconciliation_status', async () => {
    const result = await client.callTool({ name: 'reconciliation_status', arguments: { object: 'companies' } });
    expect((result.structuredContent as { runs: Array<{ object: string; status: string }> }).runs[0]).toMatchObject({
      object: 'companies',
      status: 'succeeded',
    });
  });

  it('suggests field mappings between the legacy Company table and the mirrored HubSpot companies', async () => {
    const result = await client.callTool({
      name: 'suggest_field_mappings',
      arguments: { legacyPath: EXPORT_DIR, legacyTable: 'Company', targetTable: 'companies' },
    });
    expect(result.isError).toBeFalsy();
    const content = result.structuredContent as {
      suggestions: Array<{ source: string; target: string | null; confidence: number }>;
    };
    const chosen = Object.fromEntries(content.suggestions.map((s) => [s.source, s.target]));
    // The ID column is joined on, not mapped; the rest should land where the shipped mapping puts them.
    expect(chosen).not.toHaveProperty('Comp_CompanyId');
    expect(chosen).toMatchObject({
      Comp_Name: 'name',
      Comp_Sector: 'industry',
      Addr_PostCode: 'zip',
      Comp_PhoneFullNumber: 'phone',
    });
  });

  it('finds every duplicate company planted in the export among the staged records, with reasons', async () => {
    const result = await client.callTool({
      name: 'find_duplicates',
      arguments: { object: 'companies', maxClusters: 1000 },
    });
    expect(result.isError).toBeFalsy();
    const content = result.structuredContent as {
      groups: Array<{ records: string[]; pairs: Array<{ reasons: Array<{ field: string }> }> }>;
      columnsUsed: Array<{ field: string }>;
    };
    const planted = Object.entries(truth().objects.companies!.records)
      .filter(([, r]) => r.duplicateOf)
      .map(([id, r]) => [id, r.duplicateOf!]);
    expect(planted.length).toBe(36);
    const together = ([a, b]: string[]) => content.groups.some((g) => g.records.includes(a!) && g.records.includes(b!));
    expect(planted.filter(together)).toEqual(planted);
    // The staged legacy columns are matched in HubSpot's vocabulary (Comp_Name is `name`), which the preset knows.
    expect(content.columnsUsed.map((c) => c.field)).toEqual(expect.arrayContaining(['name', 'phone', 'website']));
    expect(content.groups[0]!.pairs[0]!.reasons.map((r) => r.field)).toContain('name');
  }, 60_000);

  it('previews a conflict resolution with provenance', async () => {
    const result = await client.callTool({
      name: 'resolve_conflicts',
      arguments: {
        candidates: [
          { source: 'salesforce', record: { email: 'bill@acme.com', phone: '' }, modifiedAt: '2026-01-02T10:00:00Z' },
          {
            source: 'hubspot',
            record: { email: 'william@acme.com', phone: '+44 20 7946 0001' },
            modifiedAt: '2026-01-01T10:00:00Z',
          },
        ],
        rules: { default: { strategy: 'lastWriteWins' } },
      },
    });
    expect(result.isError).toBeFalsy();
    const content = result.structuredContent as {
      record: Record<string, unknown>;
      provenance: Record<string, { source: string | null; overridden: unknown[] }>;
    };
    // The newer record wins the email; its blank phone does not wipe the older record's phone.
    expect(content.record).toMatchObject({ email: 'bill@acme.com', phone: '+44 20 7946 0001' });
    expect(content.provenance.email).toMatchObject({
      source: 'salesforce',
      overridden: [{ source: 'hubspot', value: 'william@acme.com' }],
    });
    expect(content.provenance.phone!.source).toBe('hubspot');
  });

  it('refuses paths outside the allowed folders and invalid input, as tool errors', async () => {
    const outside = await client.callTool({
      name: 'reconcile',
      arguments: { object: 'companies', legacyPath: '/etc' },
    });
    expect(outside.isError).toBe(true);
    expect((outside.content as Array<{ text: string }>)[0]!.text).toMatch(
      /^usage error: \/etc is outside the folders this server may read/,
    );
    const invalid = await client.callTool({
      name: 'lookup_by_legacy_id',
      arguments: { object: 'Companies!', legacyId: '1' },
    });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0]!.text).toContain(
      'an object name is letters, digits and _, as named in the mapping',
    );
  });
});
