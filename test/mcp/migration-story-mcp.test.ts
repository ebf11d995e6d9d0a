/**
 * The migration as an assistant does it, through the MCP SDK's client over stdio and nothing else: on an empty
 * database, against the HubSpot emulator seeded with the example portal (companies and contacts), refresh the mirror,
 * reconcile the shipped export, review like an expert who knows the generator's truth, plan, apply, refresh and
 * reconcile again. Afterwards HubSpot holds every legacy record once with its mapped values, and reconcile has
 * nothing left to do. The same story through the core API, on a mirror loaded from files: test/apply/apply-example.test.ts.
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../core/apply/schemas';
import type { Database } from '../../core/db/database';
import { loadMapping } from '../../core/mapping/load-mapping';
import type { MirrorReport } from '../../core/mirror/schemas';
import type { ReconcileSummary } from '../../core/reconcile/summary';
import type { ReviewItem, ReviewList } from '../../core/review/schemas';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { differences, missingAssociations, staged, type StagedRow } from '../apply/fixtures';
import { migratedHome } from '../helpers/embedded-home';
import { createTestDatabase, inDatabaseOf, type TestDatabase } from '../helpers/database';
import { connectMcpStdio } from '../helpers/mcp-stdio';
import { EXPORT_DIR, ROOT, truth } from '../helpers/example-data';

const TOKEN = 'pat-na1-migration-story';
const OBJECTS = ['companies', 'contacts'] as const;
const mapping = loadMapping(undefined);
let server: TestDatabase | undefined;
let home: string | undefined;
let emulator: HubSpotEmulator;
let client: Client;

/** Calls a tool; a long one (reconcile, apply of thousands) gets minutes, not the SDK's default minute. */
async function call<T>(
  name: string,
  args: Record<string, unknown>,
  options: { errorAllowed?: boolean } = {},
): Promise<{ result: T; text: string; isError: boolean }> {
  const answer = await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 });
  const text = (answer.content as Array<{ text: string }>)[0]!.text;
  if (!options.errorAllowed) expect(answer.isError, `${name}: ${text}`).toBeFalsy();
  return { result: answer.structuredContent as T, text, isError: Boolean(answer.isError) };
}

async function reviewItems(object: string): Promise<ReviewItem[]> {
  const items: ReviewItem[] = [];
  let after: string | undefined;
  do {
    const { result } = await call<ReviewList>('list_review_items', { object, limit: 500, ...(after ? { after } : {}) });
    items.push(...result.items);
    after = result.nextCursor ?? undefined;
  } while (after);
  return items;
}

/** The expert of test/apply/fixtures.ts `reviewLikeAnExpert`, deciding through the tool. */
async function reviewLikeAnExpert(
  object: string,
): Promise<{ approved: string[]; rejected: string[]; chosen: string[] }> {
  const expected = truth().objects[object]!.records;
  const items = await reviewItems(object);
  const fuzzy = items.filter((i) => i.status === 'fuzzy_match');
  const approved = fuzzy.filter((i) => expected[i.legacyId]?.targetIds[0] === i.targets[0]!.id).map((i) => i.legacyId);
  const rejected = fuzzy.filter((i) => !approved.includes(i.legacyId)).map((i) => i.legacyId);
  const by = 'ana@example.test';
  for (const [decision, legacyIds] of [
    ['approve', approved],
    ['reject', rejected],
  ] as const) {
    for (let i = 0; i < legacyIds.length; i += 1000) {
      const { result } = await call<{ decided: unknown[]; refused: unknown[] }>('decide_review_item', {
        object,
        legacyIds: legacyIds.slice(i, i + 1000),
        decision,
        decidedBy: by,
      });
      expect(result.refused).toEqual([]);
    }
  }
  const conflicts = items.filter((i) => i.status === 'conflict');
  for (const c of conflicts)
    await call('decide_review_item', {
      object,
      legacyIds: [c.legacyId],
      decision: 'choose',
      targetId: c.targets[0]!.id,
      decidedBy: by,
    });
  return { approved, rejected, chosen: conflicts.map((c) => c.legacyId) };
}

const inDatabase = <T>(fn: (db: Database) => Promise<T>): Promise<T> => inDatabaseOf(server, home, fn);

beforeAll(async () => {
  // The limit lifted: calls are counted, not waited for.
  emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
  seedHubSpotPortal(emulator, { objects: [...OBJECTS] });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HUBSPOT_BASE_URL: await emulator.start(),
    HUBSPOT_ACCESS_TOKEN: TOKEN,
  };
  if (process.env.DATABASE_URL) {
    server = await createTestDatabase();
    env.DATABASE_URL = server.url!;
  } else {
    home = migratedHome();
    env.CRM_BRIDGE_HOME = home;
  }
  client = await connectMcpStdio(
    ['--allow-dir', path.join(ROOT, 'examples'), '--allow-writes'],
    env,
    'crm-bridge-story',
  );
}, 120_000);
afterAll(async () => {
  await client?.close();
  await emulator?.stop();
  await server?.drop();
});

describe('the migration story through the MCP client, from an empty database', () => {
  const first: Partial<Record<string, ReconcileSummary>> = {};
  const decided: Record<string, { approved: string[]; rejected: string[]; chosen: string[] }> = {};
  /** Legacy IDs HubSpot refused, by what apply tried: a refused create stays `new`, a refused update stays pending. */
  const refused: Record<string, Set<string>> = {};
  const refusedCreates: Record<string, number> = {};

  it('mirrors HubSpot, reconciles the export against it, and reviews every fuzzy match and conflict', async () => {
    const { result: mirror } = await call<MirrorReport>('refresh_mirror', { objects: [...OBJECTS] });
    expect(mirror.sync.streams.map((s) => [s.stream, s.counts.created])).toEqual(
      OBJECTS.map((o) => [o, emulator.store.count(o)]),
    );

    for (const object of OBJECTS) {
      const { result } = await call<ReconcileSummary>('reconcile', { object, legacyPath: EXPORT_DIR });
      // The mirror made from HubSpot gives the ID matches the generator planted, as the mirror shipped as files does.
      const { matched, conflict, orphan } = truth().objects[object]!.statuses;
      expect({ matched: result.matched, conflict: result.conflict, orphan: result.orphan }).toEqual({
        matched,
        conflict,
        orphan,
      });
      first[object] = result;
    }
    for (const object of OBJECTS) {
      decided[object] = await reviewLikeAnExpert(object);
      const { result } = await call<ReviewList>('list_review_items', { object, undecidedOnly: true, limit: 1 });
      expect(result.items, `${object}: undecided items`).toEqual([]);
      expect(decided[object]!.approved.length + decided[object]!.rejected.length).toBe(first[object]!.fuzzyMatch);
      expect(decided[object]!.chosen).toHaveLength(first[object]!.conflict);
    }
    expect(decided.companies!.approved.length).toBeGreaterThan(50);
  }, 600_000);

  it('plans (nothing held back, nothing written), then applies companies and contacts', async () => {
    const before = emulator.store.count('companies') + emulator.store.count('contacts');
    for (const object of OBJECTS) {
      const { result: plan } = await call<ApplyReport>('plan_apply', { object });
      const s = first[object]!;
      expect(plan.counts).toMatchObject({
        creates: s.new + decided[object]!.rejected.length,
        links: decided[object]!.approved.length,
        survivors: s.conflict,
        heldBack: 0,
        orphans: s.orphan,
        created: 0,
        updated: 0,
        failed: 0,
      });
      expect(plan.counts.updates + plan.counts.inAgreement).toBe(s.matched);
    }
    expect(emulator.store.count('companies') + emulator.store.count('contacts')).toBe(before);

    const { result: companies } = await call<ApplyReport>('apply_staging', { object: 'companies' });
    expect(companies.failures).toEqual([]);
    expect(companies.counts).toMatchObject({
      created: first.companies!.new + decided.companies!.rejected.length,
      links: decided.companies!.approved.length,
      survivors: first.companies!.conflict,
      heldBack: 0,
      failed: 0,
    });
    refused.companies = new Set();
    refusedCreates.companies = 0;

    // HubSpot refuses a few contacts (an e-mail address another contact has, a company it lacks), and the tool says
    // so (an error result) while the rest go through.
    const contacts = await call<ApplyReport>('apply_staging', { object: 'contacts' }, { errorAllowed: true });
    expect(contacts.isError).toBe(contacts.result.counts.failed > 0);
    for (const f of contacts.result.failures) expect(f.error).toMatch(/parent|exists|valid/);
    expect(contacts.result.counts.heldBack).toBe(0);
    refused.contacts = new Set(contacts.result.failures.map((f) => f.legacyId));
    refusedCreates.contacts = contacts.result.failures.filter((f) => f.action === 'create').length;
    expect(refused.contacts.size).toBe(contacts.result.counts.failed);
  }, 600_000);

  it('after a refresh of the mirror, reconcile has nothing left to do but what HubSpot refused', async () => {
    const { result: mirror } = await call<MirrorReport>('refresh_mirror', { objects: [...OBJECTS] });
    expect(mirror.sync.status).toBe('succeeded');
    expect(mirror.tables).toEqual({
      companies: { created: false, columnsAdded: [] },
      contacts: { created: false, columnsAdded: [] },
    });

    for (const object of OBJECTS) {
      const { result } = await call<ReconcileSummary>('reconcile', { object, legacyPath: EXPORT_DIR });
      expect({
        object,
        updatesPending: result.updatesPending,
        new: result.new,
        fuzzyMatch: result.fuzzyMatch,
        conflict: result.conflict,
      }).toEqual({
        object,
        updatesPending: refused[object]!.size - refusedCreates[object]!,
        new: refusedCreates[object]!,
        fuzzyMatch: 0,
        conflict: 0,
      });
      expect(result.orphan).toBe(first[object]!.orphan);
      expect(result.matched).toBe(first[object]!.legacyRows - refusedCreates[object]!);
    }
    await client.close();

    // Every legacy record in HubSpot exactly once, field by field equal to its mapped export value; contacts
    // associated with their companies.
    const rows: Record<string, StagedRow[]> = {};
    for (const object of OBJECTS) rows[object] = await inDatabase((db) => staged(db, object));
    for (const object of OBJECTS)
      expect(differences(emulator, mapping, object, rows[object]!, refused[object]!).slice(0, 10), object).toEqual([]);
    expect(missingAssociations(emulator, mapping, 'contacts', rows.contacts!, refused.contacts!).slice(0, 10)).toEqual(
      [],
    );
    const legacyCompanies = rows.companies!.filter((r) => r.status !== 'orphan').map((r) => r.legacy_id);
    const inHubSpot = emulator.store
      .records('companies')
      .map((r) => r.properties.legacy_company_id)
      .filter((id): id is string => Boolean(id));
    for (const id of legacyCompanies)
      expect(
        inHubSpot.filter((x) => x === id),
        `company ${id}`,
      ).toHaveLength(1);
  }, 600_000);
});
