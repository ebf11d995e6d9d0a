import type { Database } from '../db/database';
import type { Sql } from '../db/sql';
import { UsageError } from '../errors';
import type { LoadedMapping } from '../mapping/load-mapping';
import { VERSION } from '../version';
import { readApplyOutcome } from './apply-outcome';
import { readQuarantineReasons } from './quarantine-reasons';
import { readTrend } from './run-trend';
import type { ObjectReport, ReportData } from './schemas';
import { readConfidence, readDrift, readRuns, readStatuses } from './staging-counts';

/**
 * Everything the report shows, read in one snapshot: a reconcile that commits while the report reads cannot make
 * the counts of one section disagree with another's. Without `objects`, every object of the mapping that has a
 * staging table; named objects without one are reported as not reconciled yet.
 */
export async function readReportData(db: Database, mapping: LoadedMapping, objects?: string[]): Promise<ReportData> {
  const known = Object.keys(mapping.config.objects);
  const unknown = (objects ?? []).filter((o) => !known.includes(o));
  if (unknown.length) {
    throw new UsageError(`Not in the mapping: ${unknown.join(', ')} (it has: ${known.join(', ')})`);
  }
  const reports = await db.withConnection(async (sql) => {
    await sql.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const { rows } = await sql.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging' AND table_name = ANY($1::text[])`,
        [known],
      );
      const withTable = new Set(rows.map((r) => r.table_name));
      const wanted = objects ? [...new Set(objects)] : known.filter((o) => withTable.has(o));
      const out: ObjectReport[] = [];
      for (const object of wanted) out.push(await readObject(sql, object, withTable.has(object)));
      return out;
    } finally {
      // The snapshot only read, so ending it by a rollback discards nothing, and it cannot fail after an error.
      await sql.query('ROLLBACK').catch(() => undefined);
    }
  });
  return { generatedAt: new Date().toISOString(), database: db.location, version: VERSION, objects: reports };
}

async function readObject(sql: Sql, object: string, hasTable: boolean): Promise<ObjectReport> {
  const { latest, succeeded } = await readRuns(sql, object);
  const apply = await readApplyOutcome(sql, object);
  const empty: ObjectReport = {
    object,
    hasTable,
    latestRun: latest,
    run: succeeded,
    records: 0,
    statuses: [],
    updatesPending: 0,
    fuzzy: { total: 0, withoutConfidence: 0, bins: [] },
    drift: { rows: 0, properties: [], more: 0 },
    quarantine: { total: 0, classes: [], otherClasses: { classes: 0, entries: 0 }, examples: [] },
    apply,
    trend: { metrics: [], runs: [], total: 0 },
  };
  if (!hasTable) return empty;
  const statuses = await readStatuses(sql, object);
  return {
    ...empty,
    ...statuses,
    fuzzy: await readConfidence(sql, object),
    drift: await readDrift(sql, object),
    quarantine: succeeded ? await readQuarantineReasons(sql, object, succeeded.runId) : empty.quarantine,
    trend: await readTrend(sql, object, statuses.statuses),
  };
}
