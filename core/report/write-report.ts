import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database';
import { InputError } from '../errors';
import type { LoadedMapping } from '../mapping/load-mapping';
import { renderPage } from './page';
import { readReportData } from './report-data';
import {
  ReportInputSchema,
  type ObjectReport,
  type ObjectSummary,
  type ReportInput,
  type ReportResult,
} from './schemas';

/** What a surface prints about one object; the page holds the rest. */
export function summarise(r: ObjectReport): ObjectSummary {
  const reconciled = r.hasTable && r.run !== null;
  return {
    object: r.object,
    reconciled,
    runId: r.run?.runId ?? null,
    finishedAt: r.run?.finishedAt ?? null,
    latestRunStatus: r.latestRun?.status ?? null,
    records: r.records,
    statuses: Object.fromEntries(r.statuses.map((s) => [s.key, s.count])),
    quarantined: r.run?.quarantined ?? 0,
    fieldIssues: r.run?.fieldIssues ?? 0,
    updatesPending: r.updatesPending,
    apply: r.apply
      ? {
          runId: r.apply.runId,
          status: r.apply.status,
          results: r.apply.results.reduce<Record<string, number>>(
            (acc, x) => ({ ...acc, [x.result]: (acc[x.result] ?? 0) + x.count }),
            {},
          ),
          refused: r.apply.refused.total,
        }
      : null,
  };
}

/**
 * Writes the report page for the latest reconcile of every object (or the named ones). The file appears whole or
 * not at all: it is written beside its destination and renamed over it.
 */
export async function writeReport(db: Database, mapping: LoadedMapping, input: ReportInput): Promise<ReportResult> {
  const { out, objects } = ReportInputSchema.parse(input);
  const file = path.resolve(out);
  const folder = await stat(path.dirname(file)).catch(() => null);
  if (!folder?.isDirectory())
    throw new InputError(`Cannot write the report to ${file}: the folder ${path.dirname(file)} does not exist`);
  const data = await readReportData(db, mapping, objects);
  const html = renderPage(data);
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, html, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new InputError(`Cannot write the report to ${file}: ${(error as Error).message}`);
  }
  return { file, bytes: Buffer.byteLength(html, 'utf8'), objects: data.objects.map(summarise) };
}
