/**
 * What makes two records one entity beyond resemblance. Two people can share a name, a city and an employer's
 * mail domain; what they do not share is an e-mail address, a phone number, a birth date, an ID, or a name at one
 * address. The model is held to that (a duplicate class must agree on such fields: see fitModel's floors), and so is
 * auto-merge: a pair that agrees on none of them is at most `review`, however alike the rest.
 */
import type { FieldKind } from './config';
import type { Level } from './compare/field-comparators';

/** Levels at which a field of this kind identifies a record on its own. */
const IDENTIFYING: Partial<Record<FieldKind, readonly string[]>> = {
  email: ['exact', 'one typo'],
  phone: ['exact', 'same number without area code'],
  date: ['exact'],
  identifier: ['exact'],
};

/** Levels a true duplicate reaches on an identifying field (a typo is still the same value, mistyped). */
const DUPLICATE_LEVELS: Partial<Record<FieldKind, readonly string[]>> = {
  email: ['exact', 'one typo'],
  phone: ['exact', 'same number without area code', 'one digit off'],
  date: ['exact', 'typo: one digit or day/month swapped'],
  identifier: ['exact', 'one character off or two swapped'],
};

/** Name levels that, with the same address or website, identify: a nickname yes, Patricia for Patrick no. */
const NAME_AGREES: Partial<Record<FieldKind, readonly string[]>> = {
  givenName: ['exact', 'nickname'],
  familyName: ['exact', 'very similar'],
  fullName: ['exact', 'same words or nickname'],
  companyName: ['exact', 'same words', 'very similar'],
};
const PLACE_AGREES: Partial<Record<FieldKind, readonly string[]>> = {
  address: ['exact', 'very similar'],
  domain: ['exact'],
};
const PERSON_NAMES = new Set<FieldKind>(['givenName', 'familyName', 'fullName']);

/**
 * Share of a duplicate class's pairs (both sides filled) that must reach DUPLICATE_LEVELS on each identifying field.
 * Real duplicates clear it by far (0.6-0.99 on the labeled sets); a class EM makes up of namesakes or colleagues
 * sits near 0.01-0.1, and the floor denies it.
 */
export const DUPLICATE_FLOOR = 0.5;

interface FieldLevels {
  kind: FieldKind;
  levels: readonly Level[];
  name: string;
  /** false: never identifying, whatever the kind (FieldConfig.identifying). */
  identifying?: boolean;
}

/** A level mask per field: which levels count (all false when none do, or the field is declared not identifying). */
const maskOf = (f: FieldLevels, table: Partial<Record<FieldKind, readonly string[]>>): boolean[] =>
  f.levels.map((l) => f.identifying !== false && (table[f.kind]?.includes(l.label) ?? false));

export interface IdentifyingPlan {
  /** Per field: its levels that identify on their own. */
  identifying: boolean[][];
  /** Per field: the levels a duplicate reaches (the model's floor applies to their total), empty for other fields. */
  duplicate: boolean[][];
  /**
   * Fields and levels that, together, identify: every name field is filled and agrees, and an address (for an
   * organisation, or its website) does. A person's names are given and family name (or a full name), not the employer.
   */
  names: Array<{ field: number; agrees: boolean[] }>;
  places: Array<{ field: number; agrees: boolean[] }>;
  /** Names of the fields that can identify a record (alone, or a name with an address/website). */
  identifyingFields: string[];
}

export function identifyingPlan(fields: readonly FieldLevels[]): IdentifyingPlan {
  const person = fields.some((f) => PERSON_NAMES.has(f.kind));
  const isName = (kind: FieldKind) => (person ? PERSON_NAMES.has(kind) : kind === 'companyName');
  const isPlace = (kind: FieldKind) => kind === 'address' || (!person && kind === 'domain');
  const names = fields.flatMap((f, field) => (isName(f.kind) ? [{ field, agrees: maskOf(f, NAME_AGREES) }] : []));
  const places = fields.flatMap((f, field) => (isPlace(f.kind) ? [{ field, agrees: maskOf(f, PLACE_AGREES) }] : []));
  const identifying = fields.map((f) => maskOf(f, IDENTIFYING));
  const alone = fields.filter((_, k) => identifying[k]!.some(Boolean)).map((f) => f.name);
  const together =
    names.length > 0 && places.length > 0
      ? [
          `${names.map((n) => fields[n.field]!.name).join(' + ')} with ${places.map((p) => fields[p.field]!.name).join(' or ')}`,
        ]
      : [];
  return {
    identifying,
    duplicate: fields.map((f) => maskOf(f, DUPLICATE_LEVELS)),
    names,
    places,
    identifyingFields: [...alone, ...together],
  };
}

/** Whether a pair's levels identify it as one entity: an identifying field agrees, or its names do at one address. */
export function identifies(plan: IdentifyingPlan, levels: ArrayLike<number>, offset = 0): boolean {
  for (let k = 0; k < plan.identifying.length; k++) {
    const l = levels[offset + k]!;
    if (l >= 0 && plan.identifying[k]![l]) return true;
  }
  if (plan.names.length === 0 || plan.places.length === 0) return false;
  for (const n of plan.names) {
    const l = levels[offset + n.field]!;
    if (l < 0 || !n.agrees[l]) return false;
  }
  return plan.places.some((p) => {
    const l = levels[offset + p.field]!;
    return l >= 0 && p.agrees[l]!;
  });
}

export const EVIDENCE = ['sufficient', 'insufficient'] as const;
export type Evidence = (typeof EVIDENCE)[number];

export interface EvidenceVerdict {
  evidence: Evidence;
  /** The verdict in a sentence, with the figures behind it. */
  evidenceNote: string;
}

/** Below this many likely duplicate pairs the model's m are its defaults, not something the data showed. */
export const MIN_LEARNED_MATCHES = 10;

/**
 * Whether the duplicate class EM found shares identifying values on its own (before the floor lifted it): null when
 * it does on some identifying field, else the field that came closest. A class of namesakes or colleagues only
 * meets the floor because the floor put it there.
 */
export function unsupportedFit(
  support: ReadonlyArray<number | null>,
  fieldNames: readonly string[],
): { field: string; share: number } | null {
  const measured = support.flatMap((s, k) => (s === null ? [] : [{ field: fieldNames[k]!, share: s }]));
  if (measured.length === 0 || measured.some((s) => s.share >= DUPLICATE_FLOOR)) return null;
  return measured.reduce((a, b) => (b.share > a.share ? b : a));
}

const REVIEW_ONLY = 'so nothing is merged without review';

/** The verdict for a fit whose class was not supported (see unsupportedFit); m then fell back to the defaults. */
export function unsupportedVerdict(best: { field: string; share: number }): EvidenceVerdict {
  return {
    evidence: 'insufficient',
    evidenceNote: `the records that look alike rarely share an identifying value (at best ${best.field}, in ${Math.round(best.share * 100)} % of them): this data does not show what a duplicate looks like, ${REVIEW_ONLY}`,
  };
}

/**
 * Whether the data showed what its duplicates look like well enough to merge without asking, and why not. When it
 * did not, every pair stays `review`: the engine still ranks them, but nobody should merge on its word.
 */
export function assessEvidence(
  plan: IdentifyingPlan,
  expectedMatches: number,
  candidatePairs: number,
): EvidenceVerdict {
  if (plan.identifyingFields.length === 0) {
    return {
      evidence: 'insufficient',
      evidenceNote: `no column identifies a record on its own (e-mail, phone, birth date, an ID, or a name with an address), ${REVIEW_ONLY}`,
    };
  }
  const expected = Math.round(expectedMatches);
  if (expectedMatches < MIN_LEARNED_MATCHES) {
    return {
      evidence: 'insufficient',
      evidenceNote: `about ${expected} of ${candidatePairs} candidate pairs look like duplicates: too few to learn what a duplicate looks like in this data, ${REVIEW_ONLY}`,
    };
  }
  return {
    evidence: 'sufficient',
    evidenceNote: `about ${expected} of ${candidatePairs} candidate pairs look like duplicates; identifying fields: ${plan.identifyingFields.join(', ')}`,
  };
}
