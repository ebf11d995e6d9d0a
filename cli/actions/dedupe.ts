import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { readCsv } from '../../core/connectors/csv/csv-reader';
import type { Rejection } from '../../core/connectors/connector';
import { InputError, UsageError } from '../../core/errors';
import {
  choosePreset,
  clusterAssignments,
  dedupe,
  link,
  resolveFieldsSpec,
  type DedupeResult,
  type FieldConfig,
  type LinkResult,
} from '../../core/matching';
import type { GlobalOptions } from '../context';
import { emit, fail, table, type Verdict } from '../output';

interface MatchOptions {
  idColumn: string;
  preset?: 'contacts' | 'companies';
  fields?: string;
  country?: string;
  output?: string;
}

/** A row the CSV reader could not use, as the result reports it: where, which ID, why, and the start of the line. */
interface RejectedRow {
  source: string;
  line?: number;
  recordId?: string;
  reason: string;
  excerpt?: string;
}

/** Enough of a broken line to recognise it; a whole runaway row per rejection made results of gigabytes. */
const EXCERPT_CHARS = 120;

const rejectedRow = (r: Rejection): RejectedRow => ({
  source: r.source,
  ...(r.line !== undefined ? { line: r.line } : {}),
  ...(r.recordId ? { recordId: r.recordId.slice(0, EXCERPT_CHARS) } : {}),
  reason: r.reason,
  ...(r.raw ? { excerpt: r.raw.length > EXCERPT_CHARS ? `${r.raw.slice(0, EXCERPT_CHARS)}…` : r.raw } : {}),
});

interface ReadFile {
  records: Array<Record<string, string | null>>;
  /** The file line of each record, for naming the rows the matcher sets aside. */
  lines: number[];
  rejected: RejectedRow[];
}

/** Reads a CSV into plain records; unreadable rows are kept aside and counted, not dropped. */
async function readRecords(file: string, idColumn: string): Promise<ReadFile> {
  if (!existsSync(file)) throw new InputError(`file not found: ${file}`);
  const out: ReadFile = { records: [], lines: [], rejected: [] };
  // Repeated IDs reach the matcher, which quarantines them with its own reason.
  for await (const item of readCsv(file, { idColumn, rejectDuplicateIds: false })) {
    if (item.type === 'record') {
      out.records.push(item.record.properties);
      out.lines.push(item.record.origin?.line ?? 0);
    } else out.rejected.push(rejectedRow(item.rejection));
  }
  return out;
}

/** --fields: a file of field configs (JSON), or the shorthand `given_name=Pers_FirstName,email=Pers_EmailAddress`. */
function fieldsOption(spec: string): FieldConfig[] {
  let value: unknown = spec;
  if (/\.json$/i.test(spec.trim())) {
    if (!existsSync(spec)) throw new UsageError(`--fields: file not found: ${spec}`);
    try {
      value = JSON.parse(readFileSync(spec, 'utf8'));
    } catch (error) {
      throw new UsageError(`--fields: ${spec} is not JSON (${(error as Error).message})`);
    }
  }
  return resolveFieldsSpec(value);
}

function config(opts: MatchOptions, columns: string[]) {
  if (opts.preset && !['contacts', 'companies'].includes(opts.preset))
    throw new UsageError(`--preset takes contacts or companies, not "${opts.preset}"`);
  const common = {
    idColumn: opts.idColumn,
    rightIdColumn: opts.idColumn,
    ...(opts.country ? { defaultCountry: opts.country } : {}),
  };
  if (opts.fields) return { ...common, fields: fieldsOption(opts.fields) };
  return { ...common, preset: opts.preset ?? choosePreset(columns, new Set([opts.idColumn])) };
}

/** The matcher's quarantine with each row's file line (its index counts records, not lines). */
function withLines(result: DedupeResult | LinkResult, linesOf: (source: 'left' | 'right' | undefined) => number[]) {
  return result.quarantine.map((q) => ({ ...q, line: linesOf(q.source)[q.index] ?? null }));
}

/** Rows set aside make the run partial (exit 5): the groups are only as complete as the rows that could be read. */
function setAsideVerdict(
  rejected: readonly RejectedRow[],
  quarantine: ReadonlyArray<{ line: number | null; reason: string }>,
): Verdict | undefined {
  const total = rejected.length + quarantine.length;
  if (total === 0) return undefined;
  const first = [
    ...rejected.map((r) => `line ${r.line ?? '?'}: ${r.reason}`),
    ...quarantine.map((q) => `line ${q.line ?? '?'}: ${q.reason}`),
  ].slice(0, 3);
  return {
    kind: 'partial',
    message: `${total} row${total === 1 ? '' : 's'} set aside and not matched (${first.join('; ')}${total > 3 ? '; …' : ''})`,
  };
}

function summary(result: DedupeResult | LinkResult, setAside: number): string {
  const s = result.stats;
  const used = result.columnsUsed.map((c) => `${c.field} (${c.kind})`).join(', ');
  return [
    `columns used: ${used}`,
    table(
      [
        'records',
        'set aside',
        'candidate pairs',
        'of all pairs',
        'auto-merge pairs',
        'review pairs',
        'held for review',
        'groups',
        'singletons',
      ],
      [
        [
          s.records,
          setAside,
          s.candidatePairs,
          s.allPairs,
          s.autoMergePairs,
          s.reviewPairs,
          s.heldForReview,
          s.clusters,
          s.singletons,
        ],
      ],
    ),
    `evidence: ${s.evidence}: ${s.evidenceNote}`,
  ].join('\n');
}

export const dedupeAction = async (opts: MatchOptions & { input: string }, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const { records, lines, rejected } = await readRecords(opts.input, opts.idColumn);
    const result = dedupe(records, config(opts, Object.keys(records[0] ?? {})));
    // Quarantine is by position: of two rows sharing an ID, the first is matched and the second set aside.
    const quarantined = new Set(result.quarantine.map((q) => q.index));
    const ids = records.flatMap((r, i) => (quarantined.has(i) ? [] : [String(r[opts.idColumn] ?? '').trim()]));
    const rows = clusterAssignments(result, ids);
    if (opts.output) {
      writeFileSync(
        opts.output,
        stringify(
          rows.map((r) => [r.id, r.clusterId, r.confidence ?? '', r.decision ?? '', String(r.survivor)]),
          { header: true, columns: ['id', 'cluster_id', 'confidence', 'decision', 'survivor'] },
        ),
      );
    }
    const quarantine = withLines(result, () => lines);
    const verdict = setAsideVerdict(rejected, quarantine);
    emit(
      global,
      { ...result, quarantine, rejected },
      (r) =>
        `${summary(r, rejected.length + quarantine.length)}${opts.output ? `\nwrote ${rows.length} rows to ${opts.output}` : ''}`,
      verdict,
    );
  } catch (error) {
    fail(error, global);
  }
};

export const linkAction = async (opts: MatchOptions & { left: string; right: string }, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const left = await readRecords(opts.left, opts.idColumn);
    const right = await readRecords(opts.right, opts.idColumn);
    const result = link(left.records, right.records, config(opts, Object.keys(left.records[0] ?? {})));
    if (opts.output) {
      writeFileSync(
        opts.output,
        stringify(
          result.pairs.map((p) => [p.left, p.right, p.confidence, p.decision]),
          { header: true, columns: ['left_id', 'right_id', 'confidence', 'decision'] },
        ),
      );
    }
    const rejected = [...left.rejected, ...right.rejected];
    const quarantine = withLines(result, (source) => (source === 'right' ? right.lines : left.lines));
    const verdict = setAsideVerdict(rejected, quarantine);
    emit(
      global,
      { ...result, quarantine, rejected },
      (r) =>
        `${summary(r, rejected.length + quarantine.length)}${opts.output ? `\nwrote ${r.pairs.length} pairs to ${opts.output}` : ''}`,
      verdict,
    );
  } catch (error) {
    fail(error, global);
  }
};
