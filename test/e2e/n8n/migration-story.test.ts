/**
 * The migration story of the shipped example as n8n workflows in a real n8n 2.8.4, against the HubSpot emulator
 * seeded with the example portal and a server Postgres database that starts empty:
 *   part 1: Mirror › Refresh -> Staging › Reconcile (companies, contacts) -> Staging › Review (list);
 *   the reviewer decides from the list (the truth of which fuzzy matches are right is the generator's truth.json);
 *   part 2: Staging › Review (approve, reject, choose) -> Plan Apply -> Apply (companies, then contacts)
 *           -> Mirror › Refresh -> Staging › Reconcile.
 * Two n8n runs, as a person would run them: the decisions need someone to look at the list first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapping } from '../../../core/mapping/load-mapping';
import { HubSpotEmulator } from '../../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../../sandbox/examples/hubspot-portal';
import { differences, staged, type StagedRow } from '../../apply/fixtures';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { EXPORT_DIR, truth } from '../../helpers/example-data';
import { DIST, SERVER, postgresCredential, readWorkflow } from './fixtures';
import { nodeOutput, runWorkflow, type N8nCredential } from './run-workflow';

const TOKEN = 'pat-na1-n8n-migration-story-3e9d1a';
const mapping = loadMapping(undefined);

interface MirrorItem {
  runId: string;
  object: string;
  status: string;
  counts: Record<string, number>;
  table: { created: boolean } | null;
  removed: number;
  error?: string;
}
interface Summary {
  object: string;
  matched: number;
  fuzzyMatch: number;
  new: number;
  conflict: number;
  orphan: number;
  updatesPending: number;
}
interface ReviewItem {
  object: string;
  legacyId: string;
  status: 'fuzzy_match' | 'conflict';
  targets: Array<{ id: string }>;
  comparison: Array<{ property: string }>;
}
interface Decision {
  object: string;
  legacyId: string;
  targetId?: string;
}
interface ApplyReport {
  object: string;
  status: string;
  counts: Record<string, number>;
  failures: Array<{ legacyId: string; error: string }>;
}

/** Decisions go into a Code node's source as a JSON literal (the workflow file has a placeholder there). */
const literal = (decisions: Decision[]) => JSON.stringify(JSON.stringify(decisions)).slice(1, -1);

/**
 * The reviewer who knows the truth the generator planted: approves the fuzzy matches that link the right record,
 * rejects the others, and keeps the true record of each conflict. Works from the staging rows the review lists.
 */
function decide(object: string, rows: StagedRow[]): { approve: Decision[]; reject: Decision[]; choose: Decision[] } {
  const expected = truth().objects[object]!.records;
  const out = { approve: [] as Decision[], reject: [] as Decision[], choose: [] as Decision[] };
  for (const r of rows) {
    const right = expected[r.legacy_id]?.targetIds[0];
    if (r.status === 'fuzzy_match')
      (right === r.target_id ? out.approve : out.reject).push({ object, legacyId: r.legacy_id });
    if (r.status === 'conflict')
      out.choose.push({
        object,
        legacyId: r.legacy_id,
        targetId: r.target_ids.find((id) => id === right) ?? r.target_ids[0]!,
      });
  }
  return out;
}

describe('the migration story as n8n workflows: mirror, reconcile, review, plan, apply, and reconcile again', () => {
  const previous = process.env.DATABASE_URL;
  const emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
  let t: TestDatabase;
  let credentials: N8nCredential[];

  beforeAll(async () => {
    process.env.DATABASE_URL = SERVER;
    t = await createTestDatabase();
    seedHubSpotPortal(emulator, { objects: ['companies', 'contacts'] });
    const baseUrl = await emulator.start();
    credentials = [
      postgresCredential(t.url!, 'crmBridgePgStory1', 'CRM Bridge migration database'),
      {
        id: 'crmBridgeHubSpotStory1',
        name: 'HubSpot portal',
        type: 'crmBridgeHubSpotApi',
        data: { authentication: 'accessToken', accessToken: TOKEN, baseUrl },
      },
    ];
  }, 120_000);
  afterAll(async () => {
    await emulator.stop();
    await t?.drop();
    process.env.DATABASE_URL = previous;
  });

  it('ends with every legacy company in HubSpot once with its mapped values, and nothing pending but what HubSpot refused', async () => {
    // The database starts empty: no mirror, no staging.
    expect(
      (
        await t.db.pool.query(
          `SELECT 1 FROM information_schema.tables WHERE table_schema IN ('hubspot', 'staging') AND table_name IN ('companies', 'contacts')`,
        )
      ).rowCount,
    ).toBe(0);
    const portal = { companies: emulator.store.count('companies'), contacts: emulator.store.count('contacts') };

    const first = await runWorkflow({
      workflow: readWorkflow('migration-story-review.json', { __LEGACY_EXPORT__: EXPORT_DIR }),
      credentials,
      customExtensionsDir: DIST,
      timeoutMs: 600_000,
    });
    expect(first.errorMessage).toBeUndefined();
    expect(first.status).toBe('success');
    const mirrored = nodeOutput(first.runData, 'Refresh Mirror') as MirrorItem[];
    expect(mirrored.map((i) => [i.object, i.status, i.table?.created, i.counts.created])).toEqual([
      ['companies', 'succeeded', true, portal.companies],
      ['contacts', 'succeeded', true, portal.contacts],
    ]);
    const [companies] = nodeOutput(first.runData, 'Reconcile Companies') as Summary[];
    const [contacts] = nodeOutput(first.runData, 'Reconcile Contacts') as Summary[];
    // The mirror taken through n8n gives reconcile what the planted truth says for links by legacy ID.
    for (const s of [companies!, contacts!]) {
      const expected = truth().objects[s.object]!.statuses;
      expect({ object: s.object, matched: s.matched, conflict: s.conflict, orphan: s.orphan }).toEqual({
        object: s.object,
        matched: expected.matched,
        conflict: expected.conflict,
        orphan: expected.orphan,
      });
    }
    // The review lists what waits (the first few here: n8n prints every node's items, and a long run JSON is cut
    // short on its pipe); the reviewer decides on all of it, and the decisions are the next workflow's input.
    const listed = [
      ...nodeOutput(first.runData, 'Review Companies'),
      ...nodeOutput(first.runData, 'Review Contacts'),
    ] as ReviewItem[];
    const rows = { companies: await staged(t.db, 'companies'), contacts: await staged(t.db, 'contacts') };
    expect(listed.map((i) => i.object)).toEqual([...Array(5).fill('companies'), ...Array(5).fill('contacts')]);
    for (const item of listed) {
      const row = rows[item.object as 'companies' | 'contacts'].find((r) => r.legacy_id === item.legacyId)!;
      expect(row.status).toBe(item.status);
      expect(item.targets.map((x) => x.id)).toEqual(item.status === 'fuzzy_match' ? [row.target_id] : row.target_ids);
      expect(item.comparison.map((c) => c.property)).toContain(item.object === 'companies' ? 'name' : 'email');
    }
    for (const s of [companies!, contacts!])
      expect(
        rows[s.object as 'companies' | 'contacts'].filter((r) => r.status === 'fuzzy_match' || r.status === 'conflict'),
      ).toHaveLength(s.fuzzyMatch + s.conflict);
    const byObject = [decide('companies', rows.companies), decide('contacts', rows.contacts)];
    const decisions = {
      approve: byObject.flatMap((d) => d.approve),
      reject: byObject.flatMap((d) => d.reject),
      choose: byObject.flatMap((d) => d.choose),
    };
    // Each kind of decision is exercised (the Code nodes feeding them would otherwise stop the run short).
    expect([decisions.approve.length, decisions.reject.length, decisions.choose.length].every((n) => n > 0)).toBe(true);

    const second = await runWorkflow({
      workflow: readWorkflow('migration-story-apply.json', {
        __LEGACY_EXPORT__: EXPORT_DIR,
        __APPROVALS__: literal(decisions.approve),
        __REJECTIONS__: literal(decisions.reject),
        __SURVIVORS__: literal(decisions.choose),
      }),
      credentials,
      customExtensionsDir: DIST,
      timeoutMs: 600_000,
    });
    expect(second.errorMessage).toBeUndefined();
    expect(second.status).toBe('success');
    for (const [node, n] of [
      ['Approve Fuzzy Matches', decisions.approve.length],
      ['Reject Fuzzy Matches', decisions.reject.length],
      ['Choose Survivors', decisions.choose.length],
    ] as const) {
      const results = nodeOutput(second.runData, node) as Array<{ decided: boolean }>;
      expect(results.filter((r) => r.decided)).toHaveLength(n);
    }
    const [plan] = nodeOutput(second.runData, 'Plan Apply Companies') as ApplyReport[];
    const companiesFuzzy = decisions.approve.concat(decisions.reject).filter((d) => d.object === 'companies');
    expect(plan!.counts).toMatchObject({
      creates: companies!.new + decisions.reject.filter((d) => d.object === 'companies').length,
      heldBack: 0,
      created: 0,
      updated: 0,
    });
    expect(companiesFuzzy.length).toBe(companies!.fuzzyMatch);

    const [appliedCompanies] = nodeOutput(second.runData, 'Apply Companies') as ApplyReport[];
    expect(appliedCompanies).toMatchObject({ status: 'succeeded', failures: [] });
    expect(appliedCompanies!.counts).toMatchObject({ created: plan!.counts.creates, failed: 0, heldBack: 0 });
    const [appliedContacts] = nodeOutput(second.runData, 'Apply Contacts') as ApplyReport[];
    expect(appliedContacts!.counts).toMatchObject({ heldBack: 0 });
    expect(appliedContacts!.counts.created).toBeGreaterThan(0);
    const refused = new Set(appliedContacts!.failures.map((f) => f.legacyId));
    // Refused contacts are those whose company HubSpot does not have (its row in the export is unreadable).
    for (const f of appliedContacts!.failures) expect(f.error).toMatch(/parent|exists|valid/);

    const again = nodeOutput(second.runData, 'Refresh Mirror Again') as MirrorItem[];
    expect(again.map((i) => [i.object, i.status, i.table?.created])).toEqual([
      ['companies', 'succeeded', false],
      ['contacts', 'succeeded', false],
    ]);
    expect(again[0]!.runId).not.toBe(mirrored[0]!.runId);
    expect(again[0]!.counts.created).toBe(appliedCompanies!.counts.created);

    // The last reconcile: nothing to review, and nothing new or left to update but the contacts HubSpot refused
    // (a create, or an update, naming a company the export has only in an unreadable row).
    const [finalCompanies] = nodeOutput(second.runData, 'Reconcile Companies Again') as Summary[];
    const [finalContacts] = nodeOutput(second.runData, 'Reconcile Contacts Again') as Summary[];
    expect(finalCompanies).toMatchObject({
      updatesPending: 0,
      new: 0,
      fuzzyMatch: 0,
      conflict: 0,
      orphan: companies!.orphan,
    });
    const { rows: waiting } = await t.db.pool.query<{ legacy_id: string; status: string }>(
      `SELECT legacy_id, status FROM staging.contacts WHERE status = 'new' OR (status = 'matched' AND properties_to_update::text NOT IN ('null', '{}'))`,
    );
    expect(waiting.map((r) => r.legacy_id).sort()).toEqual([...refused].sort());
    const stillNew = waiting.filter((r) => r.status === 'new').length;
    expect(finalContacts).toMatchObject({
      updatesPending: refused.size - stillNew,
      new: stillNew,
      fuzzyMatch: 0,
      conflict: 0,
      orphan: contacts!.orphan,
    });

    // Every legacy company in HubSpot exactly once, with its mapped values (and every contact HubSpot took).
    expect(
      differences(emulator, mapping, 'companies', await staged(t.db, 'companies'), new Set()).slice(0, 10),
    ).toEqual([]);
    expect(differences(emulator, mapping, 'contacts', await staged(t.db, 'contacts'), refused).slice(0, 10)).toEqual(
      [],
    );
    for (const secret of [TOKEN, new URL(t.url!).password].filter((s) => s.length >= 3)) {
      expect(first.raw).not.toContain(secret);
      expect(second.raw).not.toContain(secret);
    }
  }, 1_200_000);
});
