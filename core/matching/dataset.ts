/**
 * A run's records in canonical form: taken out of the input, checked, and normalised field by field, on one thread
 * or shared with the worker.
 */
import { BlockingScratch, type BlockingOptions } from './block';
import { comparatorFor } from './compare/field-comparators';
import { MatchConfigSchema, type FieldConfig, type MatchConfig, type MatchConfigInput } from './config';
import { MatchInputError } from './errors';
import {
  checkIds,
  columnsOf,
  quarantineId,
  resolveIdColumn,
  takeRows,
  type IdCheck,
  type InputRecord,
  type QuarantinedRow,
  type RowRejection,
  type TakenRows,
} from './input';
import type { ComparedField } from './model';
import { Helper, threadsFor } from './parallel';
import {
  fromLean,
  keepRows,
  leanField,
  makeNormalisers,
  prepareField,
  type PreparedField,
  type RowSegment,
} from './prepare';
import { findRecencyColumn, recogniseFields } from './presets';
import { shareWork, type Share } from './share';
import type { FieldJob, PreparedReply } from './worker-protocol';

/** Everything the matching steps share about one run: the records in canonical form and where they came from. */
export interface PreparedDataset {
  config: MatchConfig;
  fields: ComparedField[];
  ids: string[];
  /** Link: 0 for left, 1 for right. */
  side?: Uint8Array;
  rows: InputRecord[];
  recencyColumn?: string;
  quarantine: QuarantinedRow[];
  idColumn: string;
  rightIdColumn?: string;
  columnsUsed: Array<{ field: string; kind: FieldConfig['kind']; columns: string[]; rightColumns?: string[] }>;
  timings: Record<string, number>;
  /** The worker thread sharing the work, when the run uses two threads; closed by the caller. */
  helper?: Helper;
  /** Set when the worker is already blocking: it claims rules from this shared counter, and this thread joins it. */
  blockCounter?: Int32Array;
  /** This thread's blocking lists, when allocated ahead (see prepareRows). */
  scratch?: BlockingScratch;
}

function resolveFields(config: MatchConfig, columns: string[], idColumn: string, label: string): FieldConfig[] {
  if (config.fields) {
    for (const f of config.fields) {
      const missing = f.columns.filter((c) => !columns.includes(c));
      if (missing.length === f.columns.length)
        throw new MatchInputError(
          `${label}: field "${f.name}" reads columns that are not there: ${missing.join(', ')}`,
        );
    }
    return config.fields;
  }
  const exclude = new Set([idColumn, ...(config.recencyColumn ? [config.recencyColumn] : [])]);
  const fields = recogniseFields(config.preset!, columns, exclude);
  if (fields.length === 0)
    throw new MatchInputError(
      `${label}: the ${config.preset} preset recognised none of the columns (${columns.slice(0, 12).join(', ')}); name the fields to compare (CLI: --fields given_name=<column>,email=<column>,…; MCP and n8n: fields)`,
    );
  return fields;
}

/** One input of a run (dedupe has one, link two): its rows, and the columns each field reads in it. */
interface Source {
  taken: TakenRows;
  idColumn: string;
  columnsOf: (f: number) => readonly string[];
  /** Every column the fields read, in field order: the first one at fault names a row's problem. */
  used: readonly string[];
  label?: 'left' | 'right';
}

function sourceOf(
  records: readonly InputRecord[],
  idColumn: string,
  columnsOf: (f: number) => readonly string[],
  fieldCount: number,
  label?: 'left' | 'right',
): Source {
  const used = [...new Set(Array.from({ length: fieldCount }, (_, f) => columnsOf(f)).flat())];
  return { taken: takeRows(records, idColumn, used, label), idColumn, columnsOf, used, ...(label ? { label } : {}) };
}

interface PreparedRows {
  compared: ComparedField[];
  scratch?: BlockingScratch;
  /** The rows that can be matched, as positions among the rows taken (all sources in order); null when all can. */
  keep: Int32Array | null;
  quarantine: QuarantinedRow[];
  blockCounter?: Int32Array;
}

/**
 * Every field in canonical form, the rows that cannot be matched set aside. With a helper, the fields and the ID
 * checks are shared out (shareWork); the worker's fields come back by message, and the worker receives this
 * thread's for scoring. Each field is prepared by the same code from the same cells either way, so the result is
 * the same.
 */
function prepareRows(
  fields: readonly FieldConfig[],
  sources: readonly Source[],
  config: MatchConfig,
  helper?: Helper,
  side?: Uint8Array,
): PreparedRows {
  const normalisers = makeNormalisers(config);
  const segmentsOf = (k: number): RowSegment[] =>
    sources.map((s) => {
      const names = s.columnsOf(k);
      return { names, columns: names.map((c) => s.taken.columns.get(c)!) };
    });
  const offsets = sources.map((_, s) => sources.slice(0, s).reduce((t, x) => t + x.taken.rows.length, 0));
  const idChecks: IdCheck[] = sources.map((s, k) => ({
    ids: s.taken.ids,
    idColumn: s.idColumn,
    offset: offsets[k]!,
    positions: s.taken.positions,
  }));
  const prepared: PreparedField[] = new Array(fields.length);
  const rejections: RowRejection[] = [];
  const share: Share = helper ? shareWork(fields) : { fields: fields.map(() => 0), idChecks: 0 };
  const normaliserOptions = {
    defaultCountry: config.defaultCountry,
    dateOrder: config.dateOrder,
    extraNicknames: config.extraNicknames,
  };
  // Both threads' blocking lists are allocated now, before the fields: typed arrays count as external memory, and
  // tens of MB of it allocated after the collection that preparing causes anyway force another full one (seconds
  // at a million records); allocated before, they are counted by that one.
  const scratch = helper ? new BlockingScratch(offsets.at(-1)! + sources.at(-1)!.taken.rows.length) : undefined;
  if (helper) {
    const jobs = fields.flatMap((field, index): FieldJob[] =>
      share.fields[index] === 1 ? [{ index, field, segments: segmentsOf(index) }] : [],
    );
    helper.send({
      type: 'prepare',
      options: normaliserOptions,
      jobs: jobs.length,
      idChecks: share.idChecks === 1 ? idChecks : [],
      rows: scratch!.capacity,
    });
    // One message per field: the worker starts on the first while this thread copies out the next.
    for (const job of jobs) helper.send({ type: 'field', job });
  }
  fields.forEach((f, k) => {
    if (share.fields[k] === 0) prepared[k] = prepareField(f, segmentsOf(k), normalisers, rejections);
  });
  if (share.idChecks === 0) for (const c of idChecks) checkIds(c, rejections);
  if (helper) {
    const theirs = helper.receive<PreparedReply>();
    for (const r of theirs.fields) prepared[r.index] = fromLean(r.lean, normalisers);
    // One by one: a spread of a million rejections would overflow the call stack.
    for (const r of theirs.rejections) rejections.push(r);
  }
  const set = setAside(rejections, sources, offsets);
  const kept = set.keep ? prepared.map((p) => keepRows(p, set.keep!)) : prepared;
  let blockCounter: Int32Array | undefined;
  if (helper) {
    const mine = fields.flatMap((_, k) => (share.fields[k] === 0 ? [{ index: k, lean: leanField(kept[k]!) }] : []));
    helper.send({ type: 'fields', options: normaliserOptions, fields: mine, ...(set.keep ? { keep: set.keep } : {}) });
    // Blocking needs values, not words and tails: the worker starts on it while this thread derives them.
    blockCounter = startBlocking(
      helper,
      kept[0]!.ids.length,
      config.blocking,
      set.keep && side ? Uint8Array.from(set.keep, (row) => side[row]!) : side,
    );
  }
  return {
    compared: kept.map((p) => ({ prepared: p, comparator: comparatorFor(p) })),
    keep: set.keep,
    quarantine: set.quarantine,
    ...(blockCounter ? { blockCounter } : {}),
    ...(scratch ? { scratch } : {}),
  };
}

/**
 * The rows to keep and the quarantine entries of the others: one per row, with its first reason (its ID, then its
 * columns in field order), sorted by source and input position like the input.
 */
function setAside(
  rejections: readonly RowRejection[],
  sources: readonly Source[],
  offsets: readonly number[],
): { keep: Int32Array | null; quarantine: QuarantinedRow[] } {
  const quarantine = sources.flatMap((s) => s.taken.quarantine);
  if (rejections.length === 0) return { keep: null, quarantine };
  const first = new Map<number, { rank: number; rejection: RowRejection }>();
  for (const r of rejections) {
    const s = sourceAt(offsets, r.row);
    const rank = r.column === undefined ? -1 : sources[s]!.used.indexOf(r.column);
    const known = first.get(r.row);
    if (!known || rank < known.rank) first.set(r.row, { rank, rejection: r });
  }
  for (const [row, { rejection }] of first) {
    const s = sourceAt(offsets, row);
    const { taken, label } = sources[s]!;
    const local = row - offsets[s]!;
    quarantine.push({
      index: taken.positions ? taken.positions[local]! : local,
      ...(label ? { source: label } : {}),
      id: quarantineId(taken.ids[local]!),
      reason: rejection.reason,
    });
  }
  const order = (q: QuarantinedRow) => (q.source === 'right' ? 1 : 0);
  quarantine.sort((a, b) => order(a) - order(b) || a.index - b.index);
  const total = offsets.at(-1)! + sources.at(-1)!.taken.rows.length;
  const keep = new Int32Array(total - first.size);
  for (let row = 0, k = 0; row < total; row++) if (!first.has(row)) keep[k++] = row;
  return { keep, quarantine };
}

function sourceAt(offsets: readonly number[], row: number): number {
  let s = 0;
  while (s + 1 < offsets.length && row >= offsets[s + 1]!) s++;
  return s;
}

/** The entries of the kept rows. */
function pick<T>(list: readonly T[], keep: Int32Array): T[] {
  return Array.from(keep, (row) => list[row]!);
}

/** What prepareRows decided, as dataset parts: the worker's state, the fields, and the rows kept with their IDs. */
function keptParts(prepared: PreparedRows, helper: Helper | undefined, ids: string[], rows: InputRecord[]) {
  const { keep } = prepared;
  return {
    ...(helper ? { helper } : {}),
    ...(prepared.blockCounter ? { blockCounter: prepared.blockCounter } : {}),
    ...(prepared.scratch ? { scratch: prepared.scratch } : {}),
    fields: prepared.compared,
    ids: keep ? pick(ids, keep) : ids,
    rows: keep ? pick(rows, keep) : rows,
    quarantine: prepared.quarantine,
  };
}

/** Sets the worker blocking: it takes rules from a shared counter until none is left, and so will this thread. */
export function startBlocking(helper: Helper, size: number, options: BlockingOptions, side?: Uint8Array): Int32Array {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  helper.send({ type: 'block', counter: counter.buffer, size, options, side });
  return counter;
}

/** A worker for a run over this many records, when it is to use two threads. */
function helperFor(records: number, threads: number | undefined): Helper | undefined {
  return threadsFor(records, { threads: threads ?? 1 }) === 2 ? new Helper() : undefined;
}

function withHelper<T>(helper: Helper | undefined, run: () => T): T {
  try {
    return run();
  } catch (e) {
    helper?.close();
    throw e;
  }
}

const now = () => performance.now();

/** `threads`: 2 shares normalising and scoring with a worker thread (the caller closes `helper`); default 1. */
export function prepareDedupe(
  records: readonly InputRecord[],
  input: MatchConfigInput,
  threads?: number,
): PreparedDataset {
  const config = MatchConfigSchema.parse(input);
  if (!Array.isArray(records) || records.length === 0)
    throw new MatchInputError('no records to match: the input is empty');
  const t0 = now();
  const columns = columnsOf(records);
  const idColumn = resolveIdColumn(columns, config.idColumn, 'records');
  const fields = resolveFields(config, columns, idColumn, 'records');
  const source = sourceOf(records, idColumn, (k) => fields[k]!.columns, fields.length);
  const helper = helperFor(source.taken.rows.length, threads);
  const prepared = withHelper(helper, () => prepareRows(fields, [source], config, helper));
  return {
    ...keptParts(prepared, helper, source.taken.ids, source.taken.rows),
    config,
    recencyColumn: config.recencyColumn ?? findRecencyColumn(columns),
    idColumn,
    columnsUsed: fields.map((f) => ({ field: f.name, kind: f.kind, columns: f.columns })),
    timings: { normalise: now() - t0 },
  };
}

export function prepareLink(
  left: readonly InputRecord[],
  right: readonly InputRecord[],
  input: MatchConfigInput,
  threads?: number,
): PreparedDataset {
  const config = MatchConfigSchema.parse(input);
  if (!Array.isArray(left) || left.length === 0)
    throw new MatchInputError('no records to link: the left input is empty');
  if (!Array.isArray(right) || right.length === 0)
    throw new MatchInputError('no records to link: the right input is empty');
  const t0 = now();
  const lc = columnsOf(left);
  const rc = columnsOf(right);
  const idColumn = resolveIdColumn(lc, config.idColumn, 'left');
  const rightIdColumn = resolveIdColumn(rc, config.rightIdColumn ?? config.idColumn, 'right');
  let fields: Array<FieldConfig & { rightColumns: string[] }>;
  if (config.fields) {
    fields = config.fields.map((f) => ({ ...f, rightColumns: f.rightColumns ?? f.columns }));
  } else {
    const lf = resolveFields(config, lc, idColumn, 'left');
    const rf = resolveFields(config, rc, rightIdColumn, 'right');
    fields = lf.flatMap((f) => {
      const r = rf.find((x) => x.name === f.name);
      return r ? [{ ...f, rightColumns: r.columns }] : [];
    });
    if (fields.length === 0) throw new MatchInputError('the two sources share no recognised field');
  }
  const ls = sourceOf(left, idColumn, (k) => fields[k]!.columns, fields.length, 'left');
  const rs = sourceOf(right, rightIdColumn, (k) => fields[k]!.rightColumns, fields.length, 'right');
  const taken = ls.taken.rows.length + rs.taken.rows.length;
  const helper = helperFor(taken, threads);
  const allSides = new Uint8Array(taken).fill(1, ls.taken.rows.length);
  const prepared = withHelper(helper, () => prepareRows(fields, [ls, rs], config, helper, allSides));
  const { keep } = prepared;
  return {
    ...keptParts(prepared, helper, [...ls.taken.ids, ...rs.taken.ids], [...ls.taken.rows, ...rs.taken.rows]),
    config,
    side: keep ? Uint8Array.from(keep, (row) => allSides[row]!) : allSides,
    recencyColumn: config.recencyColumn ?? findRecencyColumn(lc),
    idColumn,
    rightIdColumn,
    columnsUsed: fields.map((f) => ({
      field: f.name,
      kind: f.kind,
      columns: f.columns,
      ...(f.rightColumns.join() !== f.columns.join() ? { rightColumns: f.rightColumns } : {}),
    })),
    timings: { normalise: now() - t0 },
  };
}
