import type { Database } from '../../core/db/database';

/** A number on the page, named by where it comes from: `object|metric|key|run`. */
export type Cells = Record<string, number>;

export const cellId = (object: string, metric: string, key = '', run = '') => `${object}|${metric}|${key}|${run}`;

/** Counts the reconciliation log keeps per run: what the trend draws. */
const LOGGED = [
  'matched',
  'fuzzy_match',
  'new',
  'conflict',
  'orphan',
  'quarantined',
  'field_issues',
  'updates_pending',
];

/** The text before a reason's first quote, numbers written N: the report's reason classes, computed here in JS. */
export function reasonClass(reason: string): string {
  const head = reason
    .split('"')[0]!
    .replace(/[0-9]+/g, 'N')
    .replace(/^[ \t:;,]+|[ \t:;,]+$/g, '')
    .slice(0, 160);
  return head || reason.slice(0, 80);
}

function tally(items: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/**
 * Every number the report should show for these objects, counted afresh from the tables (rows fetched and counted
 * here rather than with the report's own SQL). Sized for test data: it refuses data that would hit the page's caps.
 */
export async function expectedCells(db: Database, objects: string[]): Promise<Cells> {
  const cells: Cells = {};
  const put = (object: string, metric: string, value: number, key?: string, run?: string) => {
    cells[cellId(object, metric, key, run)] = value;
  };
  for (const o of objects) {
    const { rows: runs } = await db.pool.query<Record<string, unknown> & { run_id: string }>(
      `SELECT * FROM staging.reconciliation_log WHERE object = $1 AND status = 'succeeded' ORDER BY started_at`,
      [o],
    );
    const run = runs.at(-1);
    if (!run) continue;
    const { rows } = await db.pool.query<{
      status: string;
      match_confidence: number | null;
      properties_to_update: Record<string, unknown> | null;
    }>(`SELECT status, match_confidence, properties_to_update FROM staging.${o}`);
    put(o, 'records', rows.length);
    for (const [status, n] of tally(rows.map((r) => r.status))) put(o, 'status', n, status);
    put(o, 'legacy_rows', run.legacy_rows as number);
    put(o, 'quarantined', run.quarantined as number);
    put(o, 'field_issues', run.field_issues as number);
    const drifted = rows.filter((r) => r.status === 'matched' && Object.keys(r.properties_to_update ?? {}).length > 0);
    put(o, 'updates_pending', drifted.length);

    const fuzzy = rows.filter((r) => r.status === 'fuzzy_match');
    if (fuzzy.length) {
      put(o, 'fuzzy_matches', fuzzy.length);
      for (const [confidence, n] of tally(fuzzy.map((r) => String(r.match_confidence))))
        put(o, 'confidence', n, confidence);
    }
    if (drifted.length) {
      put(o, 'drift_rows', drifted.length);
      const properties = tally(drifted.flatMap((r) => Object.keys(r.properties_to_update!)));
      if (properties.size > 25) throw new Error('more drifted properties than the page lists: extend expectedCells');
      for (const [property, n] of properties) put(o, 'drift_property', n, property);
    }

    const { rows: quarantine } = await db.pool.query<{ reason: string }>(
      'SELECT reason FROM staging.quarantine WHERE object = $1 AND run_id = $2',
      [o, run.run_id],
    );
    if (quarantine.length) {
      const classes = tally(quarantine.map((q) => reasonClass(q.reason)));
      if (classes.size > 20) throw new Error('more reason classes than the page lists: extend expectedCells');
      for (const [reason, n] of classes) put(o, 'quarantine_class', n, reason);
      put(o, 'quarantine_entries', quarantine.length);
    }

    const { rows: applies } = await db.pool.query<{ run_id: string }>(
      'SELECT run_id FROM staging.apply_runs WHERE object = $1 AND NOT dry_run ORDER BY started_at DESC LIMIT 1',
      [o],
    );
    if (applies[0]) {
      const { rows: audit } = await db.pool.query<{ action: string; result: string }>(
        'SELECT action, result FROM staging.apply_audit WHERE run_id = $1',
        [applies[0].run_id],
      );
      for (const [key, n] of tally(audit.map((a) => `${a.action}:${a.result}`))) put(o, 'apply_result', n, key);
      put(o, 'apply_refused', audit.filter((a) => a.result === 'failed').length);
    }

    if (runs.length > 60) throw new Error('more runs than the trend shows: extend expectedCells');
    // The log's own counts, and a status staging holds that the log also keeps a count of (unreadable_in_export).
    const trended = [...new Set([...LOGGED, ...rows.map((r) => r.status)])].filter((m) => typeof run[m] === 'number');
    for (const r of runs) for (const metric of trended) put(o, 'trend', r[metric] as number, metric, r.run_id);
  }
  // The overview has a column for every status some object has, so an object without it shows 0 there.
  const statuses = new Set(
    Object.keys(cells)
      .filter((id) => id.split('|')[1] === 'status')
      .map((id) => id.split('|')[2]!),
  );
  for (const o of objects.filter((x) => cellId(x, 'records') in cells))
    for (const s of statuses) cells[cellId(o, 'status', s)] ??= 0;
  return cells;
}

/** A number cell of the page as the browser or the HTML text gives it. */
export interface PageCell {
  object: string;
  metric: string;
  key: string;
  run: string;
  value: string;
  text: string;
}

/**
 * The page's numbers as a map, checking on the way that each cell's text says its data-value and that a number shown
 * in two places (the overview and the object's section) is the same in both.
 */
export function cellsOf(page: PageCell[]): { cells: Cells; mismatches: string[] } {
  const cells: Cells = {};
  const mismatches: string[] = [];
  for (const c of page) {
    const id = cellId(c.object, c.metric, c.key, c.run);
    const value = Number(c.value);
    if (Number(c.text.replace(/,/g, '')) !== value)
      mismatches.push(`${id}: shows "${c.text}" but data-value is ${c.value}`);
    if (id in cells && cells[id] !== value) mismatches.push(`${id}: ${cells[id]} in one place, ${value} in another`);
    cells[id] = value;
  }
  return { cells, mismatches };
}

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The number cells of the page's HTML text, for checks that need no browser. */
export function cellsInHtml(html: string): PageCell[] {
  const cells: PageCell[] = [];
  for (const m of html.matchAll(/<td class="num" ([^>]*)>([^<]*)<\/td>/g)) {
    const attrs = Object.fromEntries(
      [...m[1]!.matchAll(/data-([a-z]+)="([^"]*)"/g)].map((a) => [a[1]!, unescape(a[2]!)]),
    );
    cells.push({
      object: attrs.object ?? '',
      metric: attrs.metric ?? '',
      key: attrs.key ?? '',
      run: attrs.run ?? '',
      value: attrs.value ?? '',
      text: m[2]!,
    });
  }
  return cells;
}
