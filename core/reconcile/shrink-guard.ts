import type { Sql } from '../db/sql';
import { InputError } from '../errors';

/** By default an export with fewer than half the readable rows of the last successful run is refused. */
export const DEFAULT_SHRINK_THRESHOLD = 0.5;

/** An export refused before staging was touched; the run is logged as `refused`, and the exit code is the input one (3). */
export class ExportRefused extends InputError {
  constructor(
    message: string,
    readonly legacyRows: number,
    readonly quarantined: number,
  ) {
    super(message);
  }
}

export interface ShrinkCheck {
  object: string;
  /** The export file, as the user knows it. */
  file: string;
  /** Rows read and reconciled, and rows set aside, in this run. */
  legacyRows: number;
  quarantined: number;
  threshold?: number;
  accept?: boolean;
}

const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;

/**
 * A broken or truncated export must not turn good staging rows into orphans. Before this run's rows are committed,
 * the export is compared with the last successful run of the object: an export with no readable row, or with fewer
 * than `threshold` of the rows read last time, is refused (ExportRefused) unless `accept` says the shrink is real.
 * Returns the warning to show when an accepted shrink goes ahead.
 */
export async function checkShrink(sql: Sql, check: ShrinkCheck): Promise<string | undefined> {
  const threshold = check.threshold ?? DEFAULT_SHRINK_THRESHOLD;
  const { rows } = await sql.query<{ legacy_rows: number; finished_at: Date }>(
    `SELECT legacy_rows, finished_at FROM staging.reconciliation_log
      WHERE object = $1 AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`,
    [check.object],
  );
  const last = rows[0];
  const lastRun = last
    ? `the ${last.legacy_rows} of the last successful run (${last.finished_at.toISOString()})`
    : undefined;
  const setAside = check.quarantined ? `, ${check.quarantined} set aside as unreadable` : '';
  let problem: string | undefined;
  if (check.legacyRows === 0) {
    problem =
      check.quarantined === 0
        ? `${check.file} has no data rows (a header only)`
        : `none of the ${check.quarantined} rows of ${check.file} could be read`;
    if (lastRun) problem += `, against ${lastRun}`;
  } else if (last && check.legacyRows < last.legacy_rows * threshold) {
    problem = `${check.file} has ${check.legacyRows} readable rows${setAside}: fewer than ${percent(threshold)} of ${lastRun}`;
  }
  if (!problem) return undefined;
  if (check.accept) return `${problem}; reconciled anyway, as the shrink was accepted`;
  throw new ExportRefused(
    `Refused to reconcile ${check.object}: ${problem}. Staging and the quarantine are left as they were. ` +
      'If the export really is this small, run again with --accept-shrink (acceptShrink in MCP and n8n).',
    check.legacyRows,
    check.quarantined,
  );
}
