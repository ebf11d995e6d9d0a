import { z } from 'zod';
import { ObjectNameInputSchema } from '../mapping/mapping-config';

/** Input of a report, as every surface accepts it. */
export const ReportInputSchema = z
  .object({
    out: z.string().trim().min(1).describe('Path of the HTML file to write'),
    objects: z
      .array(ObjectNameInputSchema)
      .optional()
      .describe('Only these objects (default: every object of the mapping that has a staging table)'),
  })
  .strict();
export type ReportInput = z.infer<typeof ReportInputSchema>;

const count = z.number().int().min(0);

export const ObjectSummarySchema = z.object({
  object: z.string(),
  reconciled: z.boolean().describe('A reconcile of this object has succeeded, so staging describes it'),
  runId: z.string().nullable().describe('The reconcile run staging holds (the latest that succeeded)'),
  finishedAt: z.string().nullable(),
  latestRunStatus: z
    .string()
    .nullable()
    .describe('Status of the most recent run, which may be newer than the one staging holds'),
  records: count.describe('Rows in staging.<object>'),
  statuses: z.record(z.string(), count).describe('Rows per status, as found in the staging table'),
  quarantined: count,
  fieldIssues: count,
  updatesPending: count,
  apply: z
    .object({ runId: z.string(), status: z.string(), results: z.record(z.string(), count), refused: count })
    .nullable()
    .describe('The latest apply run that was not a dry run; null when none'),
});
export type ObjectSummary = z.infer<typeof ObjectSummarySchema>;

export const ReportResultSchema = z.object({
  file: z.string(),
  bytes: count,
  objects: z.array(ObjectSummarySchema),
});
export type ReportResult = z.infer<typeof ReportResultSchema>;

/** A value and how many rows carry it (a status, a property, a reason class). */
export interface Tally {
  key: string;
  count: number;
}

export interface RunInfo {
  runId: string;
  status: string;
  source: string;
  target: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  legacyRows: number;
  quarantined: number;
  fieldIssues: number;
}

export interface QuarantineExample {
  reasonClass: string;
  source: string;
  line: number | null;
  legacyId: string | null;
  field: string | null;
  reason: string;
  raw: string | null;
}

export interface QuarantineReasons {
  total: number;
  classes: Tally[];
  /** Classes beyond the cap, folded into one line so every entry is still counted. */
  otherClasses: { classes: number; entries: number };
  examples: QuarantineExample[];
}

export interface RefusedRecord {
  legacyId: string;
  action: string;
  targetId: string | null;
  error: string | null;
  at: string;
}

export interface ApplyOutcome {
  runId: string;
  target: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** Audit rows of the run by action and result. */
  results: Array<{ action: string; result: string; count: number }>;
  refused: { total: number; records: RefusedRecord[] };
}

export interface TrendRun {
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, number>;
}

export interface RunTrend {
  metrics: string[];
  runs: TrendRun[];
  /** Succeeded runs in the log; `runs` holds the most recent of them. */
  total: number;
}

export interface ConfidenceBin {
  from: number;
  to: number;
  count: number;
}

export interface ObjectReport {
  object: string;
  hasTable: boolean;
  /** The most recent run, whatever its status. */
  latestRun: RunInfo | null;
  /** The latest succeeded run: the one the staging table holds. */
  run: RunInfo | null;
  records: number;
  statuses: Tally[];
  updatesPending: number;
  fuzzy: { total: number; withoutConfidence: number; bins: ConfidenceBin[] };
  drift: { rows: number; properties: Tally[]; more: number };
  quarantine: QuarantineReasons;
  apply: ApplyOutcome | null;
  trend: RunTrend;
}

export interface ReportData {
  generatedAt: string;
  database: string;
  version: string;
  objects: ObjectReport[];
}
