import type { FieldSchema, FieldType } from '../../connectors/connector';
import {
  compareOptions,
  compareProfiles,
  compareProfileToSchema,
  profileValues,
  type ValueEvidence,
  type ValueProfile,
} from './profile';
import { compareTerms, terms, type Term, type Vocabulary } from './tokens';

/** A field ready for comparison: its name and label as terms, and the profile of its sample values. */
export interface PreparedField {
  field: FieldSchema;
  variants: Array<{ from: string; terms: Term[] }>;
  compact: string;
  profile: ValueProfile | null;
  /** The object's own ID field. */
  isId: boolean;
}

/**
 * `isId`: the field is its object's ID field, whose label may be only the object's name (Dynamics labels `accountid`
 * "Account"); it is read as "<label> ID", so that an object's ID does not pass for its name.
 */
export function prepareField(
  field: FieldSchema,
  vocab: Vocabulary,
  extraSamples: readonly string[] = [],
  isId = false,
): PreparedField {
  const variants = [{ from: field.name, terms: terms(field.name, vocab, true) }];
  if (field.label && field.label !== field.name) {
    let label = terms(field.label, vocab, false);
    if (isId && !label.some((t) => t.id === 'id')) label = terms(`${field.label} ID`, vocab, false);
    variants.push({ from: field.label, terms: label });
  }
  const compact = variants[0]!.terms.map((t) => t.id).join('');
  return { field, variants, compact, profile: profileValues([...(field.sample ?? []), ...extraSamples]), isId };
}

const TYPE_GROUPS: Array<[FieldType, FieldType, number]> = [
  ['number', 'integer', 0.95],
  ['date', 'datetime', 0.9],
  ['enum', 'string', 0.95],
  ['boolean', 'enum', 0.7],
  ['boolean', 'string', 0.8],
  ['number', 'enum', 0.5],
  ['integer', 'enum', 0.6],
  ['boolean', 'number', 0.4],
  ['boolean', 'integer', 0.5],
  ['date', 'enum', 0.2],
  ['datetime', 'enum', 0.2],
  ['date', 'number', 0.15],
  ['date', 'integer', 0.15],
  ['datetime', 'number', 0.15],
  ['datetime', 'integer', 0.15],
  ['boolean', 'date', 0.1],
  ['boolean', 'datetime', 0.1],
];

/** How well values of one type fit a field of another (0-1). Strings carry anything, so they fit most things. */
export function typeCompatibility(
  a: FieldSchema,
  b: FieldSchema,
  aNamedId = false,
  bNamedId = false,
): { factor: number; reason: string } {
  const refA = a.format === 'reference';
  const refB = b.format === 'reference';
  const describe = (f: FieldSchema) => `${f.type}${f.format ? `/${f.format}` : ''}`;
  // A reference holds another record's ID whatever type the system declares (HubSpot owners are enumerations):
  // a field named "...Id" on the other side fits it.
  if ((refA && (refB || bNamedId)) || (refB && aNamedId))
    return { factor: 1, reason: `both hold record IDs (${describe(a)} -> ${describe(b)})` };
  let factor = 1;
  if (a.type !== b.type) {
    if (a.type === 'unknown' || b.type === 'unknown') factor = 0.9;
    else if (a.type === 'string' || b.type === 'string')
      factor =
        TYPE_GROUPS.find(([x, y]) => (x === a.type && y === b.type) || (x === b.type && y === a.type))?.[2] ?? 0.85;
    else
      factor =
        TYPE_GROUPS.find(([x, y]) => (x === a.type && y === b.type) || (x === b.type && y === a.type))?.[2] ?? 0.3;
  }
  if (refA !== refB) factor *= 0.6;
  const strong = new Set(['email', 'phone', 'url', 'domain']);
  if (
    a.format &&
    b.format &&
    a.format !== b.format &&
    strong.has(a.format) &&
    strong.has(b.format) &&
    !(['url', 'domain'].includes(a.format) && ['url', 'domain'].includes(b.format))
  )
    factor *= 0.3;
  const reason =
    factor >= 0.99
      ? `types agree (${describe(a)})`
      : `types ${factor >= 0.8 ? 'compatible' : 'differ'}: ${describe(a)} -> ${describe(b)} (x${factor.toFixed(2)})`;
  return { factor, reason };
}

/** The name ends in an ID word (`Pers_CompanyId`, `owner_id`): the field references another record. */
const namedId = (f: PreparedField) => f.variants[0]!.terms.at(-1)?.id === 'id';

function valueEvidence(s: PreparedField, t: PreparedField): ValueEvidence | null {
  if (s.profile && t.profile) return compareProfiles(s.profile, t.profile);
  if (s.profile) return compareProfileToSchema(s.profile, t.field);
  if (t.profile) return compareProfileToSchema(t.profile, s.field);
  return null;
}

export interface PairScore {
  /** 0-100. */
  confidence: number;
  /** 0-1 name similarity alone. */
  name: number;
  reasons: string[];
}

function nameReason(from: string, to: string, pairs: ReturnType<typeof compareTerms>['pairs'], score: number): string {
  const synonyms = pairs
    .filter((p) => p.a.concept && p.b.concept && p.a.id === p.b.id && p.a.text !== p.b.text)
    .map((p) => `${p.a.text} = ${p.b.text}`);
  const related = pairs.filter((p) => p.similarity < 1 && p.a.id !== p.b.id).map((p) => `${p.a.text} ~ ${p.b.text}`);
  const parts = [
    synonyms.length ? `synonyms: ${synonyms.join(', ')}` : '',
    related.length ? `related: ${related.join(', ')}` : '',
  ].filter(Boolean);
  return `name "${from}" ~ "${to}" ${Math.round(score * 100)}%${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

/** Scores one source field against one target field, with the reasons. */
export function scorePair(s: PreparedField, t: PreparedField, vocab: Vocabulary): PairScore {
  let name = 0;
  let reason = '';
  for (const a of s.variants) {
    for (const b of t.variants) {
      const m = compareTerms(a.terms, b.terms, vocab);
      if (m.score > name) {
        name = m.score;
        reason = nameReason(a.from, b.from, m.pairs, m.score);
      }
    }
  }
  if (s.compact && s.compact === t.compact && name < 1) {
    name = 1;
    reason = `same name once prefixes and separators are removed ("${s.compact}")`;
  }
  const reasons = [reason || `names share nothing ("${s.field.name}" / "${t.field.name}")`];
  let c = name;
  for (const ev of [valueEvidence(s, t), compareOptions(s.field, t.field)]) {
    if (!ev || ev.score === 0) continue;
    c = ev.score > 0 ? c + (1 - c) * 0.45 * ev.score : c * (1 + 0.5 * ev.score);
    if (ev.reason) reasons.push(`${ev.score > 0 ? '+' : '-'} ${ev.reason}`);
  }
  const type = typeCompatibility(s.field, t.field, namedId(s), namedId(t));
  c *= type.factor;
  reasons.push(type.reason);
  // A record's own ID is kept only where IDs are kept (an external-ID or legacy-ID field, a reference).
  if (s.isId && !t.field.unique && t.field.format !== 'reference' && !namedId(t)) {
    c *= 0.5;
    reasons.push(`- "${s.field.name}" is the source's record ID; "${t.field.name}" does not hold IDs (x0.50)`);
  }
  return { confidence: Math.max(0, Math.min(100, Math.round(c * 100))), name, reasons };
}
