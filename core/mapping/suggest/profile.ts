import type { FieldSchema, FieldType } from '../../connectors/connector';
import { parseDate } from '../dates';
import { normaliseDomain } from '../transforms';

/** What one sample value looks like. */
export type ValueKind =
  'email' | 'url' | 'phone' | 'date' | 'datetime' | 'integer' | 'decimal' | 'boolean' | 'id' | 'code' | 'text';

export interface ValueProfile {
  /** Share of the non-blank samples of each kind. */
  kinds: Partial<Record<ValueKind, number>>;
  dominant: ValueKind;
  /** Distinct values, folded (lower case, letters and digits only), when they look like a picklist. */
  picklist: Set<string> | null;
  count: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;
const URLISH = /^(https?:\/\/|www\.)\S+$/i;
const DATETIME = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}[ T]\d{1,2}:\d{2}/;
const SF_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
/** Dataverse (Dynamics 365) and many other systems key their records by GUID. */
const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** Classifies one value; order matters (an email is not text, a date is not a number). */
export function kindOf(raw: string): ValueKind {
  const v = raw.trim();
  if (EMAIL.test(v)) return 'email';
  if (URLISH.test(v)) return 'url';
  if (/^(true|false|yes|no|y|n)$/i.test(v)) return 'boolean';
  if (DATETIME.test(v)) return 'datetime';
  if (/^\d/.test(v) && (parseDate(v, 'DMY') ?? parseDate(v, 'MDY'))) return 'date';
  if (/^[A-Za-z]{3,9}\.? \d{1,2},? \d{4}$/.test(v) || /^\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}$/.test(v)) return 'date';
  const digits = v.replace(/\D/g, '');
  if (
    /^\+?[\d\s().-]+$/.test(v) &&
    digits.length >= 7 &&
    digits.length <= 15 &&
    (/^\+|^0/.test(v) || /[\s().-]/.test(v.replace(/^\+/, '')) || digits.length >= 11)
  ) {
    if (!/^-?\d+\.\d+$/.test(v)) return 'phone';
  }
  if (/^-?\d+$/.test(v)) return 'integer';
  if (/^[-+]?[£$€]?\d{1,3}(,\d{3})*(\.\d+)?$|^[-+]?[£$€]?\d*\.\d+$/.test(v)) return 'decimal';
  if (!/\s/.test(v) && v.includes('.') && normaliseDomain(v) && !/^\d/.test(v)) return 'url';
  if (GUID.test(v) || (SF_ID.test(v) && /\d/.test(v) && /[a-zA-Z]/.test(v))) return 'id';
  if (/^[A-Z][A-Z0-9_]{1,}$/.test(v) || /^[a-z][a-z0-9_]*$/.test(v)) return 'code';
  return 'text';
}

const fold = (v: string) => v.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Values of `a` that `b` has too, folded, or as part of one of its values (`customer` in "Customer - Direct"). */
function sharedValues(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const v of a)
    if (b.has(v) || [...b].some((w) => w.length >= 4 && (w.includes(v) || v.includes(w)) && v.length >= 4)) shared++;
  return shared;
}

/**
 * Two choice fields compared by their declared options (Dynamics option sets, Salesforce picklists, HubSpot
 * enumerations), which the metadata gives even without samples: lists that share values hold the same thing; lists of
 * three or more options each that share nothing hold different things (a Category of "Standard" is not an Account Type).
 */
export function compareOptions(a: FieldSchema, b: FieldSchema): ValueEvidence | null {
  if (!a.options || !b.options || a.options.length < 2 || b.options.length < 2) return null;
  const [x, y] = [new Set(a.options.map(fold).filter(Boolean)), new Set(b.options.map(fold).filter(Boolean))];
  const overlap = sharedValues(x, y) / Math.min(x.size, y.size);
  if (overlap > 0)
    return { score: Math.min(1, 0.2 + overlap), reason: `option lists overlap (${Math.round(overlap * 100)}%)` };
  if (x.size >= 3 && y.size >= 3) return { score: -0.4, reason: 'option lists share no value' };
  return null;
}

export function profileValues(values: readonly string[]): ValueProfile | null {
  const vals = values.map((v) => v.trim()).filter(Boolean);
  if (vals.length === 0) return null;
  const kinds: Partial<Record<ValueKind, number>> = {};
  for (const v of vals) {
    const k = kindOf(v);
    kinds[k] = (kinds[k] ?? 0) + 1 / vals.length;
  }
  const dominant = (Object.entries(kinds) as Array<[ValueKind, number]>).sort((a, b) => b[1] - a[1])[0]![0];
  const distinct = new Set(vals.map(fold).filter(Boolean));
  const short = vals.every((v) => v.length <= 40);
  const picklist =
    short &&
    (dominant === 'code' || dominant === 'text' || dominant === 'boolean') &&
    distinct.size <= Math.max(12, vals.length * 0.8)
      ? distinct
      : null;
  return { kinds, dominant, picklist, count: vals.length };
}

/** Kinds that are really the same sort of value. */
const KIN: Partial<Record<ValueKind, Partial<Record<ValueKind, number>>>> = {
  integer: { decimal: 0.8, id: 0.3 },
  decimal: { integer: 0.8 },
  date: { datetime: 0.8 },
  datetime: { date: 0.8 },
  code: { text: 0.7, boolean: 0.3 },
  text: { code: 0.7 },
  id: { integer: 0.3, code: 0.3 },
};

const kinship = (a: ValueKind, b: ValueKind) => (a === b ? 1 : (KIN[a]?.[b] ?? 0));

export interface ValueEvidence {
  /** -1 (the values clash) .. 1 (the values agree). */
  score: number;
  reason: string;
}

/** Compares two sample profiles: the kinds of value, and for picklists how many values the two share. */
export function compareProfiles(a: ValueProfile, b: ValueProfile): ValueEvidence {
  let agree = 0;
  for (const [ka, pa] of Object.entries(a.kinds) as Array<[ValueKind, number]>) {
    let best = 0;
    for (const [kb, pb] of Object.entries(b.kinds) as Array<[ValueKind, number]>)
      best = Math.max(best, Math.min(pa, pb) * kinship(ka, kb));
    agree += best;
  }
  // One value says nothing about a picklist: compare value sets only when both sides show at least two.
  if (
    a.picklist &&
    b.picklist &&
    a.picklist.size >= 2 &&
    b.picklist.size >= 2 &&
    (a.dominant !== 'boolean' || b.dominant !== 'boolean')
  ) {
    const overlap = sharedValues(a.picklist, b.picklist) / Math.min(a.picklist.size, b.picklist.size);
    if (overlap > 0)
      return { score: Math.min(1, 0.3 + overlap), reason: `picklist values overlap (${Math.round(overlap * 100)}%)` };
  }
  const score = agree * 2 - 1;
  const specific = new Set<ValueKind>(['email', 'phone', 'url', 'date', 'datetime']);
  if (score > 0.5 && specific.has(a.dominant))
    return { score, reason: `both hold ${a.dominant === 'url' ? 'web addresses' : `${a.dominant}s`}` };
  if (score > 0.5) return { score: score * 0.4, reason: `values of the same kind (${a.dominant})` };
  if (score < -0.3) return { score, reason: `values differ: ${a.dominant} vs ${b.dominant}` };
  return { score: score * 0.3, reason: `values partly alike (${a.dominant} vs ${b.dominant})` };
}

/** What a field's declared type and format say its values should look like. */
export function expectedKinds(field: FieldSchema): ValueKind[] | null {
  switch (field.format) {
    case 'email':
      return ['email'];
    case 'phone':
      return ['phone'];
    case 'url':
    case 'domain':
      return ['url'];
    case 'reference':
      return ['id', 'integer', 'code'];
    case 'currency':
    case 'percent':
      return ['decimal', 'integer'];
    default:
      break;
  }
  const byType: Partial<Record<FieldType, ValueKind[]>> = {
    number: ['decimal', 'integer'],
    integer: ['integer'],
    date: ['date', 'datetime'],
    datetime: ['datetime', 'date'],
    boolean: ['boolean'],
  };
  return byType[field.type] ?? null;
}

/** Compares one side's samples with what the other side's schema promises, when only one side has samples. */
export function compareProfileToSchema(p: ValueProfile, field: FieldSchema): ValueEvidence | null {
  const expected = expectedKinds(field);
  if (!expected) {
    if (field.options && field.options.length > 0 && p.picklist) {
      const opts = new Set(field.options.map(fold));
      const shared = [...p.picklist].filter((v) => opts.has(v)).length;
      if (shared > 0)
        return {
          score: Math.min(1, 0.3 + shared / p.picklist.size),
          reason: `sample values are options of the target (${shared})`,
        };
    }
    // A free-text target takes anything; specific values in it are weak evidence against.
    return null;
  }
  const fit = expected.reduce((s, k) => s + (p.kinds[k] ?? 0), 0);
  if (fit >= 0.6) return { score: 0.3 + 0.5 * fit, reason: `sample values look like ${field.format ?? field.type}` };
  if (p.dominant === 'text' || p.dominant === 'code' || fit < 0.2)
    return { score: -0.6, reason: `sample values (${p.dominant}) do not look like ${field.format ?? field.type}` };
  return { score: 0, reason: '' };
}
