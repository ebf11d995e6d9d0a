import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../demo/random';
import { loadMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, ROOT } from '../helpers/example-data';
import { differences, missingAssociations, reviewLikeAnExpert, staged } from './fixtures';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const TOKEN = 'pat-na1-apply-crash';
const OBJECTS = ['companies', 'contacts', 'deals'] as const;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe.runIf(process.env.DATABASE_URL)('apply under kill -9, 429 storms and 5xx', () => {
  const mapping = loadMapping(undefined);
  let t: TestDatabase;
  let emulator: HubSpotEmulator;

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadExampleMirror(t.db);
    for (const object of OBJECTS) await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR });
    for (const object of OBJECTS) await reviewLikeAnExpert(t.db, mapping, object);
    // HubSpot's real limit (100 requests per 10 s) would make 20 runs take minutes: raised, the storms are injected.
    emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 2000 });
    seedHubSpotPortal(emulator, { objects: [...OBJECTS] });
    await emulator.start();
  }, 240_000);
  afterAll(async () => {
    await emulator?.stop();
    await t?.drop();
  });

  function apply(kill?: () => boolean): Promise<Exit> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, '--json', 'apply', '--to', 'hubspot', '--object', ...OBJECTS], {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: t.url!,
          HUBSPOT_BASE_URL: emulator.url,
          HUBSPOT_ACCESS_TOKEN: TOKEN,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = kill ? setInterval(() => kill() && child.kill('SIGKILL'), 2) : null;
      child.on('exit', (code, signal) => {
        if (timer) clearInterval(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  it('ends with every record in HubSpot once, equal to the export, and every refusal in the audit log', async () => {
    const random = new Random(20261206);
    emulator.faults.slow(5);
    let kills = 0;
    for (let round = 0; kills < 24 && round < 60; round++) {
      if (round % 3 === 0) emulator.faults.rateLimitStorm(4);
      if (round % 3 === 1) emulator.faults.serverErrors(3, 503);
      // Killed after a random number of HubSpot requests: before, during or after a batch and its bookkeeping.
      const killAt = random.int(1, 40);
      const start = emulator.requests;
      const exit = await apply(() => emulator.requests - start >= killAt);
      if (exit.signal === 'SIGKILL') kills++;
      else expect(exit.code, exit.stderr).toBeOneOf([0, 5]);
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    emulator.faults.clear();
    const last = await apply();
    expect(last.code, last.stderr).toBeOneOf([0, 5]);
    const outcome = (
      JSON.parse(last.stdout) as { result: { reports: Array<{ object: string; counts: Record<string, number> }> } }
    ).result;

    for (const object of OBJECTS) {
      const refusedRows = await t.db.pool.query<{ legacy_id: string; error: string }>(
        `SELECT DISTINCT ON (legacy_id) legacy_id, error FROM staging.apply_audit WHERE object = $1 ORDER BY legacy_id, id DESC`,
        [object],
      );
      const refused = new Set(refusedRows.rows.filter((r) => r.error !== null).map((r) => r.legacy_id));
      const rows = await staged(t.db, object);
      expect(differences(emulator, mapping, object, rows, refused).slice(0, 10), object).toEqual([]);
      expect(missingAssociations(emulator, mapping, object, rows, refused).slice(0, 10), object).toEqual([]);
      // Every refusal of the final run is in the audit log with HubSpot's reason.
      const report = outcome.reports.find((r) => r.object === object)!;
      expect(refused.size).toBe(report.counts.failed);
    }
    // Nothing left pending: the final run settled or interrupted whatever the kills left.
    const pending = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM staging.apply_audit WHERE result = 'pending'`,
    );
    expect(pending.rows[0]!.n).toBe(0);
  }, 600_000);
});
