/**
 * Independent readers for the generated example files, used by the example-data tests. They deliberately do not
 * reuse the generator's code: the point is to check what is on disk against truth.json.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHIPPED = path.join(ROOT, 'examples');

export const LEGACY_FILES = {
  companies: { file: 'Company.csv', delimiter: ',', encoding: 'utf8', table: 'companies' },
  contacts: { file: 'Person.csv', delimiter: ';', encoding: 'win1252', table: 'contacts' },
  deals: { file: 'Opportunity.csv', delimiter: '\t', encoding: 'utf8', table: 'deals' },
  engagements: { file: 'Communication.csv', delimiter: ',', encoding: 'utf8', table: 'engagements' },
} as const;
export type ObjectName = keyof typeof LEGACY_FILES;
export const OBJECTS = Object.keys(LEGACY_FILES) as ObjectName[];

export interface TruthRecord {
  status: 'matched' | 'fuzzy_match' | 'new' | 'conflict' | 'orphan';
  targetIds: string[];
  updates: string[];
  duplicateOf?: string;
}

export interface TruthObject {
  file: string;
  dataRecords: number;
  statuses: { matched: number; fuzzy_match: number; new: number; conflict: number; orphan: number };
  unlinkedTargets: number;
  /** Mirror records without a legacy ID that copy a legacy record's entity: HubSpot ID -> legacy ID (full truth only). */
  unlinkedCopies?: Record<string, string>;
  mirrorRows: number;
  quarantinedCount: number;
  fieldIssueCount: number;
  duplicateCount: number;
  quarantined?: Array<{ line: number; legacyId: string | null; kind: string }>;
  fieldIssues?: Array<{ legacyId: string; field: string }>;
  records?: Record<string, TruthRecord>;
}

export interface Truth {
  seed: number;
  generatedBy: string;
  objects: Partial<Record<ObjectName, TruthObject>>;
}

export function readTruth(dir: string): Truth {
  return JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth;
}

export interface LegacyRow {
  /** Physical line (1-based) where the record starts. */
  line: number;
  fields: string[];
}

export interface LegacyFile {
  text: string;
  header: string[];
  rows: LegacyRow[];
}

export function decodeLegacy(dir: string, object: ObjectName): string {
  const spec = LEGACY_FILES[object];
  const bytes = readFileSync(path.join(dir, 'legacy-export', spec.file));
  return spec.encoding === 'win1252' ? iconv.decode(bytes, 'win1252') : bytes.toString('utf8');
}

export function readLegacy(dir: string, object: ObjectName): LegacyFile {
  const spec = LEGACY_FILES[object];
  const text = decodeLegacy(dir, object);
  const parsed = parse(text, {
    delimiter: spec.delimiter,
    bom: true,
    relax_column_count: true,
    raw: true,
  }) as unknown as Array<{ record: string[]; raw: string }>;
  let line = 1;
  const all = parsed.map(({ record, raw }) => {
    const row = { line, fields: record };
    // csv-parse's `raw` holds the record terminator only in part ("\r" of CRLF, all of LF): drop it, then count.
    line += (raw.replace(/\r?\n?$/, '').match(/\n/g)?.length ?? 0) + 1;
    return row;
  });
  const [head, ...rows] = all;
  if (!head) throw new Error(`${spec.file} is empty`);
  return { text, header: head.fields, rows };
}

export interface MirrorFile {
  header: string[];
  rows: Array<Record<string, string>>;
}

export function readMirror(dir: string, object: ObjectName): MirrorFile {
  const text = readFileSync(path.join(dir, 'hubspot-mirror', `${LEGACY_FILES[object].table}.csv`), 'utf8');
  const records = parse(text, { bom: true }) as string[][];
  const [header, ...rest] = records;
  if (!header) throw new Error('empty mirror file');
  return { header, rows: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}

export function rowObject(header: string[], fields: string[]): Record<string, string> {
  return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? '']));
}

/** sha256 of every file under `dir`, keyed by relative path. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}
