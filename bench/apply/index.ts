/**
 * npm run bench -- --only apply [--records 100000] [--targets embedded,server] [--max 190]
 *
 * `crm-bridge apply` of N creates and N updates (staging rows `new` and `matched`) to the HubSpot emulator at its
 * published limit, through the real SDK, on each database. The baseline is the same apply with a limit that never
 * binds, in the same process. Each run is checked record by record against the emulator's store: lost (a staged
 * record without exactly its values in HubSpot) and duplicated (several records carrying one legacy ID).
 */
import { performance } from 'node:perf_hooks';
import { applyStaging, type ApplyTarget } from '../../core/apply/apply';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { openDatabase, type Database } from '../../core/db/database';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { loadMapping } from '../../core/mapping/load-mapping';
import { defineMirrorProperties } from '../../sandbox/examples/hubspot-portal';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { hubspotMinSeconds } from '../connectors/hubspot';
import { resetCompaniesStaging } from '../companies-staging';
import { fmt } from '../connectors/rows';
import { printTable } from '../markdown-table';

const BATCH = 100;
const mapping = loadMapping(undefined);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

interface Row {
  target: string;
  kind: 'creates' | 'updates';
  limit: string;
  seconds: number;
  perSecond: number;
  ratioLimit: string;
  ratioBaseline: string;
  requests: number;
  r429: number;
  lost: number;
  duplicated: number;
  failed: number;
}

const legacyId = (kind: 'C' | 'U', i: number) => `${kind}${String(i).padStart(7, '0')}`;
const targetId = (i: number) => String(90_000_000_000 + i);

/**
 * Staging of `kind` only: N `new` rows (creates) or N `matched` rows whose name and city changed (updates), the
 * mirror holding the records the updates go to, and a succeeded reconcile run.
 */
async function stage(db: Database, kind: 'creates' | 'updates', n: number): Promise<void> {
  await db.withConnection(async (sql) => {
    await resetCompaniesStaging(sql, mapping.sha256);
    await sql.query(`DELETE FROM staging.apply_audit WHERE object = 'companies'`);
    for (let from = 0; from < n; from += 10_000) {
      const ids = Array.from({ length: Math.min(10_000, n - from) }, (_, k) => from + k);
      if (kind === 'updates') {
        await sql.query(
          `INSERT INTO hubspot.companies (hs_object_id, legacy_company_id, name, city, createdate, hs_lastmodifieddate)
           SELECT t::bigint, l, 'Company ' || i, 'York', now(), now() FROM unnest($1::text[], $2::text[], $3::int[]) AS u(t, l, i)`,
          [ids.map(targetId), ids.map((i) => legacyId('U', i)), ids],
        );
      }
      await sql.query(
        `INSERT INTO staging.companies (legacy_id, target_id, target_ids, status, match_confidence, legacy_properties, properties_to_update, notes, first_run_id, last_changed_run_id)
         SELECT u.l, u.t, CASE WHEN u.t IS NULL THEN '{}'::text[] ELSE ARRAY[u.t] END, $4, CASE WHEN u.t IS NULL THEN NULL ELSE 100 END, '{}'::jsonb,
                jsonb_build_object('name', 'Company ' || u.i || CASE WHEN u.t IS NULL THEN '' ELSE ' Ltd' END, 'city', 'Leeds', 'domain', 'c' || u.i || '.example.com'),
                '{}', gen_random_uuid(), gen_random_uuid()
           FROM unnest($1::text[], $2::text[], $3::int[]) AS u(l, t, i)`,
        [
          ids.map((i) => legacyId(kind === 'creates' ? 'C' : 'U', i)),
          ids.map((i) => (kind === 'updates' ? targetId(i) : null)),
          ids,
          kind === 'creates' ? 'new' : 'matched',
        ],
      );
    }
  });
}

/** The portal: the mirror's properties defined, and for updates the N records they go to. */
function portal(kind: 'creates' | 'updates', n: number, max: number | null): HubSpotEmulator {
  const emulator = new HubSpotEmulator({ rateLimitMax: max ?? 1_000_000_000 });
  defineMirrorProperties(emulator, 'companies');
  const now = Date.now();
  if (kind === 'updates')
    for (let i = 0; i < n; i++)
      emulator.store.seed(
        'companies',
        targetId(i),
        { legacy_company_id: legacyId('U', i), name: `Company ${i}`, city: 'York' },
        now,
        now,
      );
  return emulator;
}

function check(
  emulator: HubSpotEmulator,
  kind: 'creates' | 'updates',
  n: number,
): { lost: number; duplicated: number } {
  const byKey = new Map<string, number>();
  let lost = 0;
  for (const r of emulator.store.records('companies')) {
    const key = r.properties.legacy_company_id;
    if (key) byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  const found = new Map(emulator.store.records('companies').map((r) => [r.properties.legacy_company_id, r]));
  for (let i = 0; i < n; i++) {
    const r = found.get(legacyId(kind === 'creates' ? 'C' : 'U', i));
    const name = `Company ${i}${kind === 'updates' ? ' Ltd' : ''}`;
    if (!r || r.properties.name !== name || r.properties.city !== 'Leeds') lost++;
  }
  return { lost, duplicated: [...byKey.values()].reduce((s, c) => s + Math.max(0, c - 1), 0) };
}

async function run(
  db: Database,
  target: string,
  kind: 'creates' | 'updates',
  n: number,
  max: number | null,
  baseline?: number,
): Promise<Row> {
  await stage(db, kind, n);
  const emulator = portal(kind, n, max);
  const url = await emulator.start();
  try {
    // A token per run: each starts from its own empty window in the process-wide limiter registry.
    const hubspot = new HubSpotConnector({
      accessToken: `bench-${target}-${kind}-${max}`,
      basePath: url,
    }) as unknown as ApplyTarget;
    const t = performance.now();
    const report = await applyStaging(db, { object: 'companies', mapping, target: hubspot });
    const seconds = (performance.now() - t) / 1000;
    const { lost, duplicated } = check(emulator, kind, n);
    const calls = Math.ceil(n / BATCH) + 1;
    const minS = max === null ? 0 : hubspotMinSeconds(calls, max);
    const perSecond = n / seconds;
    const row: Row = {
      target,
      kind,
      limit: max === null ? '– (not binding)' : `${max} req/10 s`,
      seconds,
      perSecond,
      ratioLimit: max === null ? '–' : fmt(minS / seconds, 2),
      ratioBaseline: baseline ? fmt(perSecond / baseline, 2) : '1.00',
      requests: emulator.requests,
      r429: emulator.rateLimited,
      lost,
      duplicated,
      failed: report.counts.failed,
    };
    console.error(
      `  ${target} ${kind} ${row.limit}: ${fmt(seconds)} s, ${emulator.requests} requests, ratio ${row.ratioLimit}`,
    );
    return row;
  } finally {
    await emulator.stop();
  }
}

async function open(target: string): Promise<{ db: Database; drop(): Promise<void> }> {
  if (target === 'embedded') {
    const db = await openDatabase({ home: 'memory://' });
    return { db, drop: () => db.close() };
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('--targets server needs DATABASE_URL');
  const temporary = await createTemporaryDatabase(url, 'crm_bridge_bench');
  const db = await openDatabase({ url: temporary.url });
  return {
    db,
    drop: async () => {
      await db.close();
      await temporary.drop();
    },
  };
}

async function main(): Promise<void> {
  const n = Number(arg('records', '100000'));
  const max = Number(arg('max', '190'));
  const targets = arg('targets', process.env.DATABASE_URL ? 'embedded,server' : 'embedded').split(',');
  const rows: Row[] = [];
  for (const target of targets) {
    const { db, drop } = await open(target);
    try {
      for (const kind of ['creates', 'updates'] as const) {
        const base = await run(db, target, kind, n, null);
        rows.push(base, await run(db, target, kind, n, max, base.perSecond));
      }
    } finally {
      await drop();
    }
  }
  const head = [
    'database',
    'records',
    'limit',
    'seconds',
    'records/s',
    "ratio to limit's best time",
    'ratio to baseline',
    'requests',
    '429s',
    'failed',
    'lost',
    'duplicated',
  ];
  printTable(
    head,
    rows.map((r) => [
      r.target,
      `${n.toLocaleString('en-GB')} ${r.kind}`,
      r.limit,
      fmt(r.seconds),
      fmt(r.perSecond, 0),
      r.ratioLimit,
      r.ratioBaseline,
      r.requests,
      r.r429,
      r.failed,
      r.lost,
      r.duplicated,
    ]),
  );
  const calls = Math.ceil(n / BATCH) + 1;
  console.log(
    `\n${n.toLocaleString('en-GB')} records need ${calls} calls (1 describe + ${calls - 1} batch/upsert of ${BATCH}); at ${max} requests per 10 s rolling, from an empty window, the best time is ${hubspotMinSeconds(calls, max)} s. ratio to limit = best time / measured time.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
