import type { DateOrder } from '../mapping/dates';
import { parseNumber } from '../mapping/transforms';
import type { FieldConfig, FieldKind } from './config';
import { cellProblem, cellText, hasBrokenText, type Cells, type RowRejection } from './input';
import {
  buildNicknameIndex,
  DEFAULT_NICKNAMES,
  emailParts,
  foldText,
  formalNames,
  isPlaceholder,
  normaliseAddress,
  normaliseCompanyName,
  normaliseDate,
  normaliseDomain,
  normaliseEmail,
  normalisePersonName,
  normalisePostcode,
  numbersOf,
  PhoneNormaliser,
  phoneTail,
  tokens,
  type NicknameIndex,
} from './normalize';

/** One field of every record in canonical form, column by column so that comparisons touch little memory. */
export interface PreparedField {
  readonly config: FieldConfig;
  readonly kind: FieldKind;
  readonly values: (string | null)[];
  /** Kind-specific values derived from each distinct value, indexed by value id (not by record). */
  readonly byId: DerivedValues;
  readonly nonBlank: number;
  /** Each value id's value: what another thread needs to rebuild the field (with `ids`). */
  readonly distinct: readonly string[];
  /**
   * Each record's value as a number, the same for equal values, -1 when blank: equality is one integer compare,
   * and comparisons of repeating values (names, cities) can be remembered per pair of values.
   */
  readonly ids: Int32Array;
  /** How many records hold value id k, for term-frequency weighting of exact agreement. */
  readonly idCounts: Int32Array;
}

/**
 * What a kind derives from a value, once per distinct value: a million addresses hold fewer distinct ones, and lists
 * indexed by value id hold no per-record copies for the garbage collector to walk.
 */
export interface DerivedValues {
  /** Given and full names: the formal given names (Bill: william). */
  readonly formal?: readonly (readonly string[])[];
  /** Company and full names: their words in order. */
  readonly words?: readonly (readonly string[])[];
  /** Phones: the last seven digits; addresses: the house and unit numbers; emails: the mailbox name. */
  readonly secondary?: readonly string[];
  /** Words sorted and rejoined, so that word order costs nothing to ignore. */
  readonly sorted?: readonly string[];
  /** Words sorted, for set comparisons without building sets per pair. */
  readonly sortedWords?: readonly (readonly string[])[];
  /** The value without spaces ("van der berg" = "vanderberg"); phones: their digits. */
  readonly compact?: readonly string[];
}

export interface PrepareOptions {
  defaultCountry: string;
  dateOrder: DateOrder;
  extraNicknames?: Record<string, string[]>;
}

export interface Normalisers {
  nicknames: NicknameIndex;
  phone: PhoneNormaliser;
  dateOrder: DateOrder;
}

export function makeNormalisers(o: PrepareOptions): Normalisers {
  return {
    nicknames: o.extraNicknames ? buildNicknameIndex(o.extraNicknames) : DEFAULT_NICKNAMES,
    phone: new PhoneNormaliser(o.defaultCountry),
    dateOrder: o.dateOrder,
  };
}

/** Whether text is blank, without building its trimmed copy for the usual cell that starts and ends with a letter. */
function isBlank(v: string): boolean {
  if (v.length === 0) return true;
  if (v.charCodeAt(0) > 32 && v.charCodeAt(v.length - 1) > 32) return false;
  return v.trim() === '';
}

/** What joinCells gives for a row with a cell that holds an object: no value, and the row is set aside. */
const OBJECT_CELL = 0;

/**
 * Row i's text of a field: its one column's cell, or the non-blank cells of its columns joined by spaces; null when
 * blank, OBJECT_CELL when a cell holds an object.
 */
function joinCells(columns: readonly Cells[], i: number): string | null | typeof OBJECT_CELL {
  if (columns.length === 1) {
    const c = columns[0]![i];
    const v = typeof c === 'string' ? c : cellText(c);
    if (v === undefined) return OBJECT_CELL;
    return v === null || isBlank(v) ? null : v;
  }
  const parts: string[] = [];
  for (const column of columns) {
    const v = cellText(column[i]);
    if (v === undefined) return OBJECT_CELL;
    if (v !== null && !isBlank(v)) parts.push(v.trim());
  }
  return parts.length === 0 ? null : parts.join(' ');
}

/** Why row r of a segment cannot be matched on this field: its first column at fault. */
function rowProblem(segment: RowSegment, r: number, row: number): RowRejection {
  for (let k = 0; k < segment.columns.length; k++) {
    const column = segment.names[k]!;
    const reason = cellProblem(column, segment.columns[k]![r]);
    if (reason !== null) return { row, column, reason };
  }
  throw new Error(`row ${row}: no cell at fault`);
}

/** The canonical value of one raw cell for a kind of field; null when blank or unusable. */
export function normaliseValue(kind: FieldKind, raw: string, n: Normalisers): string | null {
  switch (kind) {
    case 'givenName':
    case 'familyName':
    case 'fullName':
      return normalisePersonName(raw);
    case 'companyName':
      return normaliseCompanyName(raw);
    case 'email':
      return normaliseEmail(raw);
    case 'phone':
      return n.phone.normalise(raw);
    case 'domain':
      return normaliseDomain(raw);
    case 'address':
      return normaliseAddress(raw);
    case 'postcode':
      return normalisePostcode(raw);
    case 'date':
      return normaliseDate(raw, n.dateOrder);
    case 'identifier': {
      const v = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
      return v === '' || /^0+$/.test(v) ? null : v;
    }
    case 'number': {
      const x = parseNumber(raw, '.');
      return x === null ? null : String(x);
    }
    case 'city':
    case 'region':
    case 'text': {
      const v = foldText(raw);
      return v === '' || isPlaceholder(v) ? null : v;
    }
  }
}

/**
 * A run of rows as the cells of a field's columns, one array per column: link mode reads the same field from
 * differently named columns of its two sources.
 */
export interface RowSegment {
  /** The columns' names, for naming a bad cell. */
  names: readonly string[];
  columns: readonly Cells[];
}

type DerivedLists = { -readonly [K in keyof DerivedValues]: Array<NonNullable<DerivedValues[K]>[number]> };

const WORD_KINDS = new Set<FieldKind>(['companyName', 'address', 'fullName', 'text']);
/** Kinds whose words in their own order are compared or blocked on; the others keep only the sorted words. */
const ORDERED_WORD_KINDS = new Set<FieldKind>(['companyName', 'fullName']);
const COMPACT_KINDS = new Set<FieldKind>(['familyName', 'city', 'region', 'companyName', 'address']);

/** Empty lists for what a kind derives; a kind that derives nothing gets none. */
function derivedLists(kind: FieldKind): DerivedLists {
  const d: DerivedLists = {};
  if (kind === 'givenName' || kind === 'fullName') d.formal = [];
  if (ORDERED_WORD_KINDS.has(kind)) d.words = [];
  if (WORD_KINDS.has(kind)) {
    d.sortedWords = [];
    d.sorted = [];
  }
  if (kind === 'phone' || kind === 'address' || kind === 'email') d.secondary = [];
  if (COMPACT_KINDS.has(kind) || kind === 'phone') d.compact = [];
  return d;
}

/** Appends what value `v` derives to the lists (its value id is their length). */
function deriveInto(kind: FieldKind, v: string, n: Normalisers, d: DerivedLists): void {
  if (d.formal) d.formal.push(formalNames(v, n.nicknames));
  if (d.sortedWords) {
    const words = tokens(v);
    if (kind === 'address') d.secondary!.push(numbersOf(words));
    d.words?.push(words);
    // Sorted in place where the order is not kept.
    const sorted = d.words ? [...words].sort() : words.sort();
    d.sortedWords.push(sorted);
    d.sorted!.push(sorted.join(' '));
  }
  if (kind === 'phone') {
    d.secondary!.push(phoneTail(v));
    d.compact!.push(v.slice(v.startsWith('+1') ? 2 : 1));
  } else if (d.compact) d.compact.push(v.replace(/ /g, ''));
  if (kind === 'email') d.secondary!.push(emailParts(v).local);
}

/** Names, cities and companies repeat a lot: normalising each distinct raw text once is most of the speed there. */
const MAX_CACHED = 1_000_000;
/** Lookups after which a raw-text cache that hit less than a quarter of the time is dropped. */
const CACHE_TRIAL = 50_000;
const REPEATING_KINDS = new Set<FieldKind>([
  'givenName',
  'familyName',
  'fullName',
  'companyName',
  'city',
  'region',
  'postcode',
  'domain',
  'date',
]);

/** A raw text cached as not valid UTF-8: its rows are set aside. */
const BROKEN = -2;

/**
 * One field of every row in canonical form. Cells are checked here, where they are read anyway: a row whose cell
 * holds an object or text that was not valid UTF-8 gets no value and a RowRejection in `rejections`, and the caller
 * sets it aside (keepRows).
 */
export function prepareField(
  config: FieldConfig,
  segments: readonly RowSegment[],
  n: Normalisers,
  rejections: RowRejection[] = [],
): PreparedField {
  const kind = config.kind;
  const size = segments.reduce((t, s) => t + (s.columns[0]?.length ?? 0), 0);
  const values: (string | null)[] = new Array(size);
  const idOf = new Map<string, number>();
  /** Each value id's value and derived values (derived values depend on the value alone: once per distinct value). */
  const distinct: string[] = [];
  const derived = derivedLists(kind);
  const ids = new Int32Array(size).fill(-1);
  const idCountList: number[] = [];
  // Raw text straight to value id (-1: normalises to nothing): a repeated raw text costs one lookup.
  const idByRaw = new Map<string, number>();
  let cacheRaw = REPEATING_KINDS.has(kind);
  let lookups = 0;
  let hits = 0;
  let nonBlank = 0;
  let i = 0;
  for (const segment of segments) {
    const rows = segment.columns[0]?.length ?? 0;
    for (let r = 0; r < rows; r++, i++) {
      const raw = joinCells(segment.columns, r);
      let id = -1;
      if (raw === OBJECT_CELL) rejections.push(rowProblem(segment, r, i));
      else if (raw !== null) {
        const cached = cacheRaw ? idByRaw.get(raw) : undefined;
        if (cached !== undefined) {
          hits++;
          if (cached === BROKEN) rejections.push(rowProblem(segment, r, i));
          else id = cached;
        } else if (hasBrokenText(raw)) {
          rejections.push(rowProblem(segment, r, i));
          if (cacheRaw) idByRaw.set(raw, BROKEN);
        } else {
          const v = normaliseValue(kind, raw, n);
          if (v !== null) {
            const known = idOf.get(v);
            if (known !== undefined) id = known;
            else {
              id = distinct.length;
              idOf.set(v, id);
              distinct.push(v);
              idCountList.push(0);
              deriveInto(kind, v, n, derived);
            }
          }
          if (cacheRaw && idByRaw.size < MAX_CACHED) idByRaw.set(raw, id);
        }
        // A column whose raw texts rarely repeat (ZIP codes in a large set) pays for the cache and never gains.
        if (cacheRaw && ++lookups === CACHE_TRIAL && hits < CACHE_TRIAL / 4) {
          cacheRaw = false;
          idByRaw.clear();
        }
      }
      ids[i] = id;
      if (id >= 0) {
        nonBlank++;
        idCountList[id]!++;
        values[i] = distinct[id]!;
      } else values[i] = null;
    }
  }
  return { config, kind, values, byId: derived, nonBlank, ids, idCounts: Int32Array.from(idCountList), distinct };
}

/**
 * The field over the rows in `keep` (ascending row numbers) only: rows set aside after the fields were prepared.
 * Value ids and derived values stay; a value no kept row holds keeps its id with a count of 0.
 */
export function keepRows(field: PreparedField, keep: Int32Array): PreparedField {
  const ids = Int32Array.from(keep, (row) => field.ids[row]!);
  const idCounts = new Int32Array(field.idCounts.length);
  let nonBlank = 0;
  for (const id of ids) {
    if (id < 0) continue;
    idCounts[id]!++;
    nonBlank++;
  }
  const { config, kind, distinct } = field;
  // byId is read through, so that a field still deriving lazily (fromLean) keeps doing so.
  return {
    config,
    kind,
    values: valuesOf(ids, distinct),
    ids,
    idCounts,
    nonBlank,
    distinct,
    get byId() {
      return field.byId;
    },
  };
}

/** Each record's value from its value id: null where blank. */
function valuesOf(ids: Int32Array, distinct: readonly string[]): (string | null)[] {
  const values: (string | null)[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) values[i] = ids[i]! < 0 ? null : distinct[ids[i]!]!;
  return values;
}

/**
 * A prepared field as another thread receives it: each distinct value once and every record's value id. Strings
 * are copied one by one between threads, so a million given names travel as the few thousand there are; the
 * receiver rebuilds the per-record values and derives words, tails and formal names again (cheaper than copying them).
 */
export type LeanField = Pick<PreparedField, 'config' | 'distinct' | 'ids' | 'idCounts' | 'nonBlank'>;

export function leanField(f: PreparedField): LeanField {
  return { config: f.config, distinct: f.distinct, ids: f.ids, idCounts: f.idCounts, nonBlank: f.nonBlank };
}

/**
 * The field prepareField returned, from its distinct values and ids: derived values depend on the value alone. They
 * are derived on first use, so that a worker can block on the values while the words and tails wait for scoring.
 */
export function fromLean(lean: LeanField, n: Normalisers): PreparedField {
  const { config, distinct, ids, idCounts, nonBlank } = lean;
  const kind = config.kind;
  const values = valuesOf(ids, distinct);
  let byId: DerivedLists | undefined;
  return {
    config,
    kind,
    values,
    ids,
    idCounts,
    nonBlank,
    distinct,
    get byId(): DerivedValues {
      if (!byId) {
        byId = derivedLists(kind);
        for (const v of distinct) deriveInto(kind, v, n, byId);
      }
      return byId;
    },
  };
}
