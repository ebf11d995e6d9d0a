/**
 * npm run bench -- --only reconcile [--companies 1000000] [--targets embedded,server] [--fuzzy on,off] [--reader-only]
 *
 * `--fuzzy on,off` runs every target twice, with and without the fuzzy fallback, to show what it costs.
 *
 * Reconciles N legacy companies against an N-row mirror on the embedded database and on a PostgreSQL server, and
 * prints records/s, peak RSS, and the ratio to a baseline measured in the same run: streaming the same export through
 * the CSV reader and the mapping with no database at all (the floor a reconcile cannot beat).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CsvExportConnector } from '../../core/connectors/csv/csv-export';
import { generateExample } from '../../demo/generator';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { PACKAGE_ROOT } from '../../core/version';
import { printTable } from '../markdown-table';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function ensureData(companies: number): Promise<string> {
  const dir = path.join(PACKAGE_ROOT, '.bench', `companies-${companies}`);
  const marker = path.join(dir, '.complete');
  if (!existsSync(marker)) {
    const t = Date.now();
    await generateExample({ seed: 7, outDir: dir, companies, objects: ['companies'], truth: 'counts' });
    writeFileSync(marker, new Date().toISOString());
    console.log(
      `generated ${companies} companies and their mirror in ${((Date.now() - t) / 1000).toFixed(1)} s (${dir})`,
    );
  }
  return dir;
}

async function baseline(dataDir: string, map = true): Promise<{ rows: number; ms: number; cpuMs: number }> {
  const mapping = builtInMapping();
  const mapper = new ObjectMapper(mapping.config, 'companies');
  const spec = mapping.config.objects.companies!;
  const csv = new CsvExportConnector(
    path.join(dataDir, 'legacy-export'),
    { companies: { file: spec.legacy.file, idColumn: spec.legacy.idColumn } },
    { rejectDuplicateIds: false },
  );
  const t = Date.now();
  const cpu = process.cpuUsage();
  let rows = 0;
  for await (const item of csv.read('companies')) {
    if (item.type === 'record') {
      if (map) mapper.map(item.record.properties);
      rows++;
    }
  }
  const used = process.cpuUsage(cpu);
  return { rows, ms: Date.now() - t, cpuMs: Math.round((used.user + used.system) / 1000) };
}

const USAGE = `usage: node dist/bench/reconcile/index.js [--companies 1000000] [--targets embedded,server] [--fuzzy on|off|on,off] [--reader-only]
  Generates the companies once (.bench/companies-<n>/), then per target and fuzzy setting loads the mirror,
  reconciles and reconciles again in a process of its own. Build first (npm run build): scenarios run from dist/.
  --reader-only measures only the baseline (the CSV reader alone, then with the mapping; no database), three times each.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const companies = Number(arg('companies', '1000000'));
  if (!Number.isInteger(companies) || companies < 1)
    throw new Error(`--companies must be a positive integer\n${USAGE}`);
  const targets = arg('targets', 'embedded,server').split(',');
  const fuzzySettings = arg('fuzzy', 'on').split(',');
  if (fuzzySettings.some((f) => f !== 'on' && f !== 'off'))
    throw new Error(`--fuzzy takes on, off or on,off\n${USAGE}`);
  const server = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
  const dataDir = await ensureData(companies);
  if (process.argv.includes('--reader-only')) {
    for (let i = 0; i < 3; i++) {
      for (const map of [false, true]) {
        const r = await baseline(dataDir, map);
        console.log(
          `read${map ? ' + map' : ''} ${r.rows} legacy companies: ${(r.ms / 1000).toFixed(2)} s, ${Math.round(r.rows / (r.ms / 1000))} records/s`,
        );
      }
    }
    return;
  }
  const base = await baseline(dataDir);
  const baseRate = base.rows / (base.ms / 1000);
  console.log(
    `baseline: read + map ${base.rows} legacy companies without a database: ${(base.ms / 1000).toFixed(1)} s (${(base.cpuMs / 1000).toFixed(1)} s CPU), ${Math.round(baseRate)} records/s`,
  );
  const rows: string[][] = [];
  for (const target of targets)
    for (const fuzzy of fuzzySettings) {
      const args = [
        path.join(__dirname, 'scenario.js'),
        dataDir,
        ...(target === 'server' ? [server] : []),
        ...(fuzzy === 'off' ? ['--no-fuzzy'] : []),
      ];
      const out = execFileSync(process.execPath, args, {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const r = JSON.parse(out.trim().split('\n').pop()!);
      const rate = r.first.legacyRows / (r.reconcileMs / 1000);
      rows.push([
        `${r.kind}, fuzzy ${fuzzy}`,
        String(r.first.legacyRows),
        String(r.mirrorRows),
        (r.loadMirrorMs / 1000).toFixed(1),
        (r.reconcileMs / 1000).toFixed(1),
        String(Math.round(rate)),
        (rate / baseRate).toFixed(2),
        (r.rerunMs / 1000).toFixed(1),
        String(r.rerunChanged),
        String(r.peakRssDuringReconcileMb),
        String(r.processMaxRssMb),
        (r.reconcileCpuMs / 1000).toFixed(1),
        (base.cpuMs / r.reconcileCpuMs).toFixed(2),
      ]);
      console.log(`${target}: ${JSON.stringify(r.first)}`);
      console.log(`${target}, fuzzy ${fuzzy}: seconds per phase ${JSON.stringify(r.phaseSeconds)}`);
      console.log(`${target}, fuzzy ${fuzzy}: peak RSS MB per phase ${JSON.stringify(r.peakRssByPhaseMb)}`);
      if (r.fuzzyStats) console.log(`${target}, fuzzy ${fuzzy}: fallback ${JSON.stringify(r.fuzzyStats)}`);
    }
  const head = [
    'database',
    'legacy rows',
    'mirror rows',
    'load mirror s',
    'reconcile s',
    'records/s',
    'ratio to baseline',
    're-run s',
    're-run changes',
    'peak RSS MB (reconcile)',
    'max RSS MB (process)',
    'reconcile CPU s (node)',
    // On a loaded machine wall time mostly measures the other sessions; CPU time of the same work moves far less.
    'CPU ratio to baseline',
  ];
  console.log('');
  printTable(head, rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
