import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStaging } from '../../core/apply/apply';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { generateExample } from '../../demo/generator';
import { loadMirror } from '../../demo/load-mirror';
import { loadMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal, type SeededPortal } from '../../sandbox/examples/hubspot-portal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { hubspotConnectorSetup } from '../helpers/emulators';
import { readTruth } from '../example/example-files';
import { checkAppliedEngagements, parentCarriers } from './engagement-fixtures';
import { reviewWithTruth } from './fixtures';

const TOKEN = 'pat-na1-apply-engagements-fresh';
const OBJECTS = ['companies', 'contacts', 'deals', 'engagements'] as const;
const mapping = loadMapping(undefined);
const startPortal = hubspotConnectorSetup(TOKEN, afterAll);
let dir: string;
let t: TestDatabase;
let emulator: HubSpotEmulator;
let hubspot: HubSpotConnector;
let seeded: SeededPortal;
let seededParents: Record<string, Map<string, string>>;

// Data the view was not developed on: another seed, three communications per company instead of two.
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-engagements-'));
  await generateExample({ seed: 90_417, outDir: dir, companies: 400, communicationsPerCompany: 3 });
  const truth = readTruth(dir) as unknown as {
    objects: Record<string, { records: Record<string, { targetIds: string[] }> }>;
  };
  t = await createTestDatabase();
  await t.db.withConnection((sql) => loadMirror(sql, path.join(dir, 'hubspot-mirror'), { schema: 'hubspot' }));
  for (const object of OBJECTS) await reconcile(t.db, { object, mapping, legacyPath: path.join(dir, 'legacy-export') });
  for (const object of OBJECTS) await reviewWithTruth(t.db, mapping, object, truth.objects[object]!.records);
  ({ emulator, connector: hubspot } = await startPortal({ rateLimitMax: 100_000 }, {}, (portal) => {
    seeded = seedHubSpotPortal(portal, { dir: path.join(dir, 'hubspot-mirror'), objects: [...OBJECTS] });
    seededParents = parentCarriers(portal);
  }));
}, 300_000);
afterAll(async () => {
  await t?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('apply engagements on freshly generated data (seed 90417, 3 communications per company)', () => {
  it('puts each legacy engagement in HubSpot once, in its type, equal to the export, with the associations apply asked for; a second apply writes nothing', async () => {
    let report;
    for (const object of OBJECTS) report = await applyStaging(t.db, { object, mapping, target: hubspot });
    const check = await checkAppliedEngagements(
      t.db,
      mapping,
      emulator,
      hubspot,
      report!.runId,
      seeded.engagements!,
      seededParents,
    );
    expect(check.rows.length).toBeGreaterThan(1000);
    expect(Object.keys(check.byReason).filter((r) => !['parent missing', 'no type', 'no time'].includes(r))).toEqual(
      [],
    );
    expect(check.unexpectedRefusals).toEqual([]);
    expect(check.differences).toEqual([]);
    expect(check.associations.unexplained).toEqual([]);
    expect(check.moves.expected.length).toBeGreaterThan(0);
    expect(check.moves.moved).toEqual(check.moves.expected);
    expect(check.moves.wrong).toEqual([]);
    console.log(
      `fresh engagements: ${JSON.stringify(report!.counts)}; refused ${JSON.stringify(check.byReason)}; moved ${check.moves.moved.length}; associations missing ${check.associations.missing} of ${check.associations.checked}`,
    );
    const again = await applyStaging(t.db, { object: 'engagements', mapping, target: hubspot });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, failed: check.refused.size });
  }, 600_000);
});
