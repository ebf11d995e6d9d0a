import type { DateOrder } from '../mapping/dates';
import { parseNumber } from '../mapping/transforms';
import type { FieldConfig, FieldKind } from './config';
import { cellText, type InputRecord } from './input';
import {
  addressNumbers, buildNicknameIndex, DEFAULT_NICKNAMES, emailParts, foldText, formalNames, isPlaceholder, normaliseAddress,
  normaliseCompanyName, normaliseDate, normaliseDomain, normaliseEmail, normalisePersonName, normalisePostcode, PhoneNormaliser,
  phoneTail, tokens, type NicknameIndex,
} from './normalize';

/** One field of every record in canonical form, column by column so that comparisons touch little memory. */
export interface PreparedField {
  readonly config: FieldConfig;
  readonly kind: FieldKind;
  readonly values: (string | null)[];
  /** Kind-specific derived values: formal given names, words, phone tails, house numbers. */
  readonly formal?: (readonly string[] | null)[];
  /** Company and full names: their words in order. */
  readonly words?: (string[] | null)[];
  readonly secondary?: (string | null)[];
  /** Words sorted and rejoined, so that word order costs nothing to ignore. */
  readonly sorted?: (string | null)[];
  /** Words sorted, for set comparisons without building sets per pair. */
  readonly sortedWords?: (string[] | null)[];
  /** The value without spaces ("van der berg" = "vanderberg"); phones: their digits. */
  readonly compact?: (string | null)[];
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

function joinColumns(record: InputRecord, columns: readonly string[]): string | null {
  if (columns.length === 1) {
    const v = cellText(record[columns[0]!]);
    return v === null || isBlank(v) ? null : v;
  }
  const parts: string[] = [];
  for (const c of columns) {
    const v = cellText(record[c]);
    if (v !== null && !isBlank(v)) parts.push(v.trim());
  }
  return parts.length === 0 ? null : parts.join(' ');
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

/** Rows read through their own columns: link mode reads the same field from differently named columns. */
export interface RowSegment {
  rows: readonly InputRecord[];
  columns: readonly string[];
}

interface Derived {
  formal?: readonly string[];
  words?: string[];
  sortedWords?: string[];
  sorted?: string;
  secondary?: string;
  compact?: string;
}

const WORD_KINDS = new Set<FieldKind>(['companyName', 'address', 'fullName', 'text']);
/** Kinds whose words in their own order are compared or blocked on; the others keep only the sorted words. */
const ORDERED_WORD_KINDS = new Set<FieldKind>(['companyName', 'fullName']);
const COMPACT_KINDS = new Set<FieldKind>(['familyName', 'city', 'region', 'companyName', 'address']);

function derive(kind: FieldKind, v: string, n: Normalisers): Derived {
  const d: Derived = {};
  if (kind === 'givenName' || kind === 'fullName') d.formal = formalNames(v, n.nicknames);
  if (WORD_KINDS.has(kind)) {
    d.words = tokens(v);
    d.sortedWords = [...d.words].sort();
    d.sorted = d.sortedWords.join(' ');
  }
  if (COMPACT_KINDS.has(kind)) d.compact = v.replace(/ /g, '');
  if (kind === 'phone') {
    d.secondary = phoneTail(v);
    d.compact = v.slice(v.startsWith('+1') ? 2 : 1);
  }
  if (kind === 'address') d.secondary = addressNumbers(v);
  if (kind === 'email') d.secondary = emailParts(v).local;
  return d;
}

/** Names, cities and companies repeat a lot: normalising each distinct raw text once is most of the speed there. */
const MAX_CACHED = 1_000_000;
/** Lookups after which a raw-text cache that hit less than a quarter of the time is dropped. */
const CACHE_TRIAL = 50_000;
const REPEATING_KINDS = new Set<FieldKind>(['givenName', 'familyName', 'fullName', 'companyName', 'city', 'region', 'postcode', 'domain']);
const DERIVING_KINDS = new Set<FieldKind>(['givenName', 'fullName', 'companyName', 'address', 'text', 'familyName', 'city', 'region', 'phone', 'email']);

export function prepareField(config: FieldConfig, segments: readonly RowSegment[], n: Normalisers): PreparedField {
  const kind = config.kind;
  const size = segments.reduce((t, s) => t + s.rows.length, 0);
  const values: (string | null)[] = new Array(size);
  const derived: Array<Derived | null> = new Array(size);
  const idOf = new Map<string, number>();
  /** Each value id's value and derived values (derived values depend on the value alone: once per distinct value). */
  const distinct: string[] = [];
  const derivedById: Array<Derived | null> = [];
  const ids = new Int32Array(size).fill(-1);
  const idCountList: number[] = [];
  // Raw text straight to value id (-1: normalises to nothing): a repeated raw text costs one lookup.
  const idByRaw = new Map<string, number>();
  let cacheRaw = REPEATING_KINDS.has(kind);
  let lookups = 0;
  let hits = 0;
  const derives = DERIVING_KINDS.has(kind);
  let nonBlank = 0;
  let i = 0;
  for (const segment of segments) {
    for (const row of segment.rows) {
      const raw = joinColumns(row, segment.columns);
      let id = -1;
      if (raw !== null) {
        const cached = cacheRaw ? idByRaw.get(raw) : undefined;
        if (cached !== undefined) {
          id = cached;
          hits++;
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
              derivedById.push(derives ? derive(kind, v, n) : null);
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
        derived[i] = derivedById[id]!;
      } else {
        values[i] = null;
        derived[i] = null;
      }
      i++;
    }
  }
  return withDerived(config, values, ids, Int32Array.from(idCountList), nonBlank, distinct, derived);
}

function withDerived(config: FieldConfig, values: (string | null)[], ids: Int32Array, idCounts: Int32Array, nonBlank: number, distinct: readonly string[], derived: Array<Derived | null>): PreparedField {
  const kind = config.kind;
  const pick = <K extends keyof Derived>(key: K): Array<NonNullable<Derived[K]> | null> => derived.map((d) => (d === null ? null : (d[key] as NonNullable<Derived[K]>)));
  const field: { -readonly [K in keyof PreparedField]: PreparedField[K] } = { config, kind, values, nonBlank, ids, idCounts, distinct };
  if (kind === 'givenName' || kind === 'fullName') field.formal = pick('formal');
  if (ORDERED_WORD_KINDS.has(kind)) field.words = pick('words');
  if (WORD_KINDS.has(kind)) {
    field.sortedWords = pick('sortedWords');
    field.sorted = pick('sorted');
  }
  if (kind === 'phone' || kind === 'address' || kind === 'email') field.secondary = pick('secondary');
  if (COMPACT_KINDS.has(kind) || kind === 'phone') field.compact = pick('compact');
  return field;
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
  const values: (string | null)[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) values[i] = ids[i]! < 0 ? null : distinct[ids[i]!]!;
  let whole: PreparedField | undefined;
  const derived = (): PreparedField => {
    if (whole) return whole;
    const byId = DERIVING_KINDS.has(kind) ? distinct.map((v) => derive(kind, v, n)) : undefined;
    const perRecord = Array.from(ids, (id) => (id < 0 || !byId ? null : byId[id]!));
    return (whole = withDerived(config, values, ids, idCounts, nonBlank, distinct, perRecord));
  };
  return {
    config, kind, values, ids, idCounts, nonBlank, distinct,
    get formal() { return derived().formal; },
    get words() { return derived().words; },
    get secondary() { return derived().secondary; },
    get sorted() { return derived().sorted; },
    get sortedWords() { return derived().sortedWords; },
    get compact() { return derived().compact; },
  };
}
