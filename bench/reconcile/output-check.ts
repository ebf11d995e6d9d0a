/**
 * Row-for-row check of what reconcile writes, so a change made for speed can be shown to change nothing else.
 *
 *   node dist/bench/reconcile/output-check.js <data dir> [postgres url] [--no-fuzzy] --write <file>
 *   node dist/bench/reconcile/output-check.js <data dir> [postgres url] [--no-fuzzy] --against <file>
 *   (add --sql-timing to print the wall time of the first run's statements by shape, and --cpu-prof <file> to
 *   write a CPU profile of the first run alone, for cpu-profile-summary.js)
 *
 * Loads the mirror into a fresh database (a temporary one on the server, a temporary folder for the embedded one),
 * reconciles `companies`, reconciles again (which must write nothing), then dumps every row of `staging.companies`
 * in legacy ID order, the run's quarantine, and the counts of the first run's log entry, without run IDs and
 * timestamps. `--write` keeps the dump; `--against` compares it line by line with a kept one and exits 1 on any
 * difference, printing the first ones. Prints the run's wall and CPU time on stderr.
 */
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openDatabase, type Database } from '../../core/db/database';
import type { Sql } from '../../core/db/sql';
import { copyInto } from '../../core/db/copy';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { loadMirror } from '../../demo/load-mirror';

const USAGE =
  'usage: output-check.js <data dir> [postgres url] [--no-fuzzy] [--fuzzy-chunk N] [--reader-thread on|off] [--sql-timing] [--cpu-prof <file>] (--write <file> | --against <file>)';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const STAGING_COLUMNS = `legacy_id, target_id, target_ids, status, match_confidence, legacy_properties::text,
  properties_to_update::text, notes, source, source_line`;
const LOG_COLUMNS = `legacy_rows, target_rows, matched, fuzzy_match, new, conflict, orphan, unreadable_in_export, quarantined,
  unreadable_without_id, updates_pending, field_issues, target_unlinked, rows_inserted, rows_updated, rows_deleted`;

/** Every line of the dump, page by page so memory stays flat at any size. */
async function* dumpLines(sql: Sql, runId: string): AsyncGenerator<string> {
  const log = await sql.query(`SELECT ${LOG_COLUMNS} FROM staging.reconciliation_log WHERE run_id = $1`, [runId]);
  yield `log ${JSON.stringify(log.rows[0])}`;
  let after = '';
  for (;;) {
    const { rows } = await sql.query<{ legacy_id: string }>(
      `SELECT ${STAGING_COLUMNS} FROM staging.companies WHERE legacy_id > $1 ORDER BY legacy_id LIMIT 5000`,
      [after],
    );
    for (const r of rows) yield `staging ${JSON.stringify(r)}`;
    if (rows.length < 5000) break;
    after = rows[rows.length - 1]!.legacy_id;
  }
  // The quarantine is small next to staging (a few percent of the rows), and has no key that survives a run.
  const { rows } = await sql.query(
    `SELECT source, line, legacy_id, field, reason, raw FROM staging.quarantine
      WHERE object = 'companies' ORDER BY line NULLS FIRST, source, legacy_id, field, reason, raw`,
  );
  for (const r of rows) yield `quarantine ${JSON.stringify(r)}`;
}

async function write(lines: AsyncGenerator<string>, file: string): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  for await (const l of lines) {
    if (!out.write(`${l}\n`)) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'finish');
  return n;
}

/** Differences between the fresh dump and the kept one: count and the first few, side by side. */
async function compare(fresh: string, kept: string): Promise<{ lines: number; differing: number; first: string[] }> {
  const a = readline.createInterface({ input: createReadStream(fresh) })[Symbol.asyncIterator]();
  const b = readline.createInterface({ input: createReadStream(kept) })[Symbol.asyncIterator]();
  let lines = 0;
  let differing = 0;
  const first: string[] = [];
  for (;;) {
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x.done && y.done) break;
    lines++;
    const now = x.done ? '<missing>' : x.value;
    const before = y.done ? '<missing>' : y.value;
    if (now !== before) {
      differing++;
      if (first.length < 10) first.push(`line ${lines}\n  now:    ${now}\n  before: ${before}`);
    }
  }
  return { lines, differing, first };
}

/**
 * The database with every statement timed from the client (`--sql-timing`): wall time per statement shape, waiting
 * included. The machine's PostgreSQL has no pg_stat_statements, and this works on the embedded database too.
 */
function timedDatabase(db: Database, totals: Map<string, { n: number; ms: number }>): Database {
  const wrap = (sql: Sql): Sql => ({
    async bulkLoad(target, rows) {
      const t = performance.now();
      try {
        return await copyInto(sql, target, rows);
      } finally {
        const key = `COPY ${target}`.slice(0, 90);
        const total = totals.get(key) ?? { n: 0, ms: 0 };
        total.n++;
        total.ms += performance.now() - t;
        totals.set(key, total);
      }
    },
    async query(text, values) {
      const t = performance.now();
      try {
        return await sql.query(text, values);
      } finally {
        const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
        const total = totals.get(key) ?? { n: 0, ms: 0 };
        total.n++;
        total.ms += performance.now() - t;
        totals.set(key, total);
      }
    },
  });
  return {
    kind: db.kind,
    location: db.location,
    pool: db.pool,
    withConnection: (fn) => db.withConnection((sql) => fn(wrap(sql))),
    close: () => db.close(),
  };
}

/**
 * CPU seconds used so far by every process named `postgres` on this machine (backends and background workers), from
 * /proc: on the server, the database's side of a run is on the other core, and Node's CPU alone does not show it.
 * Null where /proc is not there.
 */
function postgresCpuSeconds(): number | null {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
        const fields = stat.slice(close + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
      } catch {
        // the process ended while we read
      }
    }
  } catch {
    return null;
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const positional = args.filter(
    (a, i) =>
      !a.startsWith('--') &&
      !['--write', '--against', '--cpu-prof', '--reader-thread', '--fuzzy-chunk'].includes(args[i - 1]!),
  );
  const [dataDir, server] = positional;
  const writeTo = option('write');
  const against = option('against');
  if (!dataDir || (!writeTo && !against)) throw new Error(USAGE);
  const chunkSize = option('fuzzy-chunk');
  if (chunkSize !== undefined && !(Number(chunkSize) > 0)) throw new Error(USAGE);
  // A small chunk sends a small set through the fallback's chunked path (every legacy chunk against every target one).
  const fuzzy = process.argv.includes('--no-fuzzy')
    ? (false as const)
    : chunkSize
      ? { chunkSize: Number(chunkSize) }
      : undefined;
  const reader = option('reader-thread');
  const readerThread = reader === 'on' ? true : reader === 'off' ? false : undefined;
  let drop = async () => undefined as void;
  let url: string | undefined;
  let home: string | undefined;
  if (server) {
    const temporary = await createTemporaryDatabase(server, 'crm_bridge_check');
    url = temporary.url;
    drop = temporary.drop;
  } else home = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-check-'));
  const opened = await openDatabase({ url, home });
  const sqlTimes = new Map<string, { n: number; ms: number }>();
  const db = process.argv.includes('--sql-timing') ? timedDatabase(opened, sqlTimes) : opened;
  try {
    await db.withConnection((sql) =>
      loadMirror(sql, path.join(dataDir, 'hubspot-mirror'), { schema: 'hubspot', batchSize: 5000 }),
    );
    const options = {
      object: 'companies',
      mapping: builtInMapping(),
      legacyPath: path.join(dataDir, 'legacy-export'),
      fuzzy,
      readerThread,
    };
    const profileTo = option('cpu-prof');
    const session = new Session();
    if (profileTo) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const t = Date.now();
    const cpu = process.cpuUsage();
    const serverCpu = server ? postgresCpuSeconds() : null;
    // Wall and CPU seconds per phase, from the first progress report of one phase to the first of the next.
    const phases: Array<{ phase: string; at: number; cpu: NodeJS.CpuUsage }> = [];
    const onProgress = (phase: string) => {
      if (phases.at(-1)?.phase !== phase) phases.push({ phase, at: Date.now(), cpu: process.cpuUsage() });
    };
    const first = await reconcile(db, { ...options, onProgress });
    const used = process.cpuUsage(cpu);
    phases.push({ phase: 'end', at: Date.now(), cpu: process.cpuUsage() });
    const spans = phases.slice(0, -1).map((p, i) => {
      const next = phases[i + 1]!;
      const cpuS = (next.cpu.user + next.cpu.system - p.cpu.user - p.cpu.system) / 1e6;
      return `${p.phase} ${((next.at - p.at) / 1000).toFixed(1)} s wall / ${cpuS.toFixed(1)} s CPU`;
    });
    process.stderr.write(`phases (from the first progress report of each): ${spans.join(', ')}\n`);
    if (profileTo) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(profile));
      session.disconnect();
    }
    const serverCpuAfter = serverCpu === null ? null : postgresCpuSeconds();
    const serverPart =
      serverCpu === null || serverCpuAfter === null
        ? ''
        : `, ${(serverCpuAfter - serverCpu).toFixed(1)} s CPU (every postgres process on this machine)`;
    process.stderr.write(
      `${db.kind}: reconcile ${((Date.now() - t) / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU (node)${serverPart}\n`,
    );
    if (sqlTimes.size) {
      const lines = [...sqlTimes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
      for (const [key, t] of lines)
        process.stderr.write(`${(t.ms / 1000).toFixed(2).padStart(8)} s ${String(t.n).padStart(6)}x  ${key}\n`);
      sqlTimes.clear();
    }
    const second = await reconcile(db, options);
    const rerunChanged = second.rowsInserted + second.rowsUpdated + second.rowsDeleted;
    const file = writeTo ?? `${against}.${db.kind}.now`;
    const lines = await db.withConnection((sql) => write(dumpLines(sql, first.runId), file));
    process.stderr.write(`dumped ${lines} lines to ${file}; the re-run changed ${rerunChanged} rows\n`);
    let failed = rerunChanged !== 0;
    if (against) {
      const result = await compare(file, against);
      process.stderr.write(
        result.differing === 0
          ? `identical to ${against}: ${result.lines} lines\n`
          : `${result.differing} of ${result.lines} lines differ from ${against}:\n${result.first.join('\n')}\n`,
      );
      failed ||= result.differing !== 0;
    }
    process.exitCode = failed ? 1 : 0;
  } finally {
    await opened.close();
    await drop();
    if (home) rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
