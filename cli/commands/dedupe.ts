import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { readCsv } from '../../core/connectors/csv/csv-reader';
import type { Rejection } from '../../core/connectors/connector';
import { UsageError } from '../../core/errors';
import { choosePreset, clusterAssignments, dedupe, link, type DedupeResult, type LinkResult } from '../../core/matching';
import type { GlobalOptions } from '../context';
import { emit, fail, table } from '../output';

interface MatchOptions {
  idColumn: string;
  preset?: 'contacts' | 'companies';
  country?: string;
  output?: string;
}

/** Reads a CSV into plain records; unreadable rows are kept aside and counted, not dropped. */
async function readRecords(file: string, idColumn: string): Promise<{ records: Array<Record<string, string | null>>; rejected: Rejection[] }> {
  const records: Array<Record<string, string | null>> = [];
  const rejected: Rejection[] = [];
  // Repeated IDs reach the matcher, which quarantines them with its own reason.
  for await (const item of readCsv(file, { idColumn, rejectDuplicateIds: false })) {
    if (item.type === 'record') records.push(item.record.properties);
    else rejected.push(item.rejection);
  }
  return { records, rejected };
}

function config(opts: MatchOptions, columns: string[]) {
  if (opts.preset && !['contacts', 'companies'].includes(opts.preset)) throw new UsageError(`--preset takes contacts or companies, not "${opts.preset}"`);
  const preset = opts.preset ?? choosePreset(columns, new Set([opts.idColumn]));
  return { idColumn: opts.idColumn, rightIdColumn: opts.idColumn, preset, ...(opts.country ? { defaultCountry: opts.country } : {}) };
}

function summary(result: DedupeResult | LinkResult, rejected: number): string {
  const s = result.stats;
  const used = result.columnsUsed.map((c) => `${c.field} (${c.kind})`).join(', ');
  return [
    `columns used: ${used}`,
    table(['records', 'quarantined', 'candidate pairs', 'of all pairs', 'auto-merge pairs', 'review pairs', 'groups', 'singletons'], [
      [s.records, s.quarantined + rejected, s.candidatePairs, s.allPairs, s.autoMergePairs, s.reviewPairs, s.clusters, s.singletons],
    ]),
  ].join('\n');
}

const matchOptions = (command: Command) =>
  command
    .requiredOption('--id-column <column>', 'column holding each record\'s ID')
    .option('--preset <preset>', 'contacts or companies (default: recognised from the column names)')
    .option('--country <code>', 'default country for phone numbers, e.g. GB or US')
    .option('--output <file>', 'write the result as CSV here');

export function registerMatching(program: Command): void {
  matchOptions(
    program.command('dedupe').description('Find records of one file that are the same entity (fuzzy matching with blocking), with a confidence per group'),
  )
    .requiredOption('--input <file>', 'CSV file of records')
    .action(async (opts: MatchOptions & { input: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        const { records, rejected } = await readRecords(opts.input, opts.idColumn);
        const result = dedupe(records, config(opts, Object.keys(records[0] ?? {})));
        // Quarantine is by position: of two rows sharing an ID, the first is matched and the second set aside.
        const quarantined = new Set(result.quarantine.map((q) => q.index));
        const ids = records.flatMap((r, i) => (quarantined.has(i) ? [] : [String(r[opts.idColumn] ?? '').trim()]));
        const rows = clusterAssignments(result, ids);
        if (opts.output) {
          writeFileSync(opts.output, stringify(rows.map((r) => [r.id, r.clusterId, r.confidence ?? '', r.decision ?? '', String(r.survivor)]), { header: true, columns: ['id', 'cluster_id', 'confidence', 'decision', 'survivor'] }));
        }
        emit(global, { ...result, rejected }, (r) => `${summary(r, rejected.length)}${opts.output ? `\nwrote ${rows.length} rows to ${opts.output}` : ''}`);
      } catch (error) {
        fail(error, global);
      }
    });

  matchOptions(program.command('link').description('Find the records of two files that are the same entity (record linkage), with a confidence per pair'))
    .requiredOption('--left <file>', 'CSV file of the first source')
    .requiredOption('--right <file>', 'CSV file of the second source')
    .action(async (opts: MatchOptions & { left: string; right: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        const left = await readRecords(opts.left, opts.idColumn);
        const right = await readRecords(opts.right, opts.idColumn);
        const result = link(left.records, right.records, config(opts, Object.keys(left.records[0] ?? {})));
        if (opts.output) {
          writeFileSync(opts.output, stringify(result.pairs.map((p) => [p.left, p.right, p.confidence, p.decision]), { header: true, columns: ['left_id', 'right_id', 'confidence', 'decision'] }));
        }
        const rejected = [...left.rejected, ...right.rejected];
        emit(global, { ...result, rejected }, (r) => `${summary(r, rejected.length)}${opts.output ? `\nwrote ${r.pairs.length} pairs to ${opts.output}` : ''}`);
      } catch (error) {
        fail(error, global);
      }
    });
}
