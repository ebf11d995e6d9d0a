/**
 * One benchmark scenario in its own process, so its peak RSS is its own: load the mirror, reconcile, reconcile again.
 * Prints one JSON line on stdout. Run by bench/reconcile/index.ts.
 *
 *   node dist/bench/reconcile/scenario.js <data dir> [postgres url] [--no-fuzzy] [--fuzzy-chunk N] [--no-rerun]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../core/db/database';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { loadMirror } from '../../demo/load-mirror';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const chunkAt = args.indexOf('--fuzzy-chunk');
  const chunkSize = chunkAt >= 0 ? Number(args.splice(chunkAt, 2)[1]) : undefined;
  const flags = args.filter((a) => a.startsWith('--'));
  const [dataDir, server] = args.filter((a) => !a.startsWith('--'));
  if (!dataDir || (chunkSize !== undefined && !(chunkSize > 0)))
    throw new Error('usage: scenario.js <data dir> [postgres url] [--no-fuzzy] [--fuzzy-chunk N] [--no-rerun]');
  const fuzzy = flags.includes('--no-fuzzy') ? (false as const) : chunkSize ? { chunkSize } : undefined;
  let dropDatabase = async () => undefined as void;
  let url: string | undefined;
  let home: string | undefined;
  if (server) {
    const temporary = await createTemporaryDatabase(server, 'crm_bridge_bench');
    url = temporary.url;
    dropDatabase = temporary.drop;
  } else {
    home = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-bench-'));
  }
  const db = await openDatabase({ url, home });
  try {
    let t = Date.now();
    const mirrorRows = await db.withConnection((sql) =>
      loadMirror(sql, path.join(dataDir, 'hubspot-mirror'), { schema: 'hubspot', batchSize: 5000 }),
    );
    const loadMirrorMs = Date.now() - t;

    let peakRss = 0;
    // Peak RSS per phase, charged to the phase last heard of (the phase then running, or the one just ended).
    const peakByPhase: Record<string, number> = {};
    let current = 'start';
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss;
      peakRss = Math.max(peakRss, rss);
      peakByPhase[current] = Math.max(peakByPhase[current] ?? 0, Math.round(rss / 2 ** 20));
    }, 50);
    // When each phase was last heard of: the span between phases shows where a run spends its time.
    const phases: Record<string, number> = {};
    const onProgress = (phase: string) => {
      phases[phase] = Date.now();
      current = phase;
    };
    t = Date.now();
    let fuzzyStats: unknown = null;
    // CPU time of this process: on a shared machine it moves far less than wall time with other people's load.
    const cpu = process.cpuUsage();
    const first = await reconcile(db, {
      object: 'companies',
      mapping: builtInMapping(),
      legacyPath: path.join(dataDir, 'legacy-export'),
      batchSize: 2000,
      fuzzy,
      onProgress,
      onFuzzyStats: (s) => (fuzzyStats = s),
    });
    const phaseEnds = { ...phases, done: Date.now() };
    const reconcileMs = Date.now() - t;
    const used = process.cpuUsage(cpu);
    const reconcileCpuMs = Math.round((used.user + used.system) / 1000);
    const t0 = t;
    t = Date.now();
    current = 'rerun';
    const second = flags.includes('--no-rerun')
      ? undefined
      : await reconcile(db, {
          object: 'companies',
          mapping: builtInMapping(),
          legacyPath: path.join(dataDir, 'legacy-export'),
          batchSize: 2000,
          fuzzy,
        });
    const rerunMs = Date.now() - t;
    clearInterval(sampler);
    process.stdout.write(
      `${JSON.stringify({
        kind: db.kind,
        fuzzy: fuzzy !== false,
        fuzzyStats,
        mirrorRows: mirrorRows.companies,
        loadMirrorMs,
        reconcileMs,
        reconcileCpuMs,
        phaseSeconds: Object.fromEntries(
          Object.entries(phaseEnds).map(([k, v], i, all) => [
            k,
            ((v - (i === 0 ? t0 : all[i - 1]![1])) / 1000).toFixed(1),
          ]),
        ),
        rerunMs,
        peakRssDuringReconcileMb: Math.round(peakRss / 2 ** 20),
        peakRssByPhaseMb: peakByPhase,
        processMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        first,
        rerunChanged: second ? second.rowsInserted + second.rowsUpdated + second.rowsDeleted : null,
      })}\n`,
    );
  } finally {
    await db.close();
    await dropDatabase();
    if (home) rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
