import type { ObjectMapper } from '../mapping/object-mapper';
import type { FieldIssue } from '../mapping/object-mapper';
import type { Value } from '../connectors/connector';
import type { StagingRow } from '../staging/staging-row';
import { textSimilarity } from './similarity';

export interface LegacySide {
  legacyId: string;
  source: string;
  line: number;
  legacyProperties: Record<string, Value>;
  mapped: Record<string, Value>;
  issues: FieldIssue[];
}

export interface TargetSide {
  id: string;
  properties: Record<string, Value>;
}

/** Below this average similarity of the identity properties, an ID match is flagged for a human to look at. */
const IDENTITY_WARNING = 0.8;

/** A target record's values in canonical form, each normalised at most once however often it is compared. */
type Canonical = (property: string) => Value;

function canonicalOf(mapper: ObjectMapper, target: Record<string, Value>, mapped: Record<string, Value>): Canonical {
  const done = new Map<string, Value>();
  return (property) => {
    let value = done.get(property);
    if (value === undefined) {
      value = mapper.canonicalTarget(property, target[property] ?? null, mapped[property] ?? null);
      done.set(property, value);
    }
    return value;
  };
}

/** Properties whose mapped legacy value differs from the target's, in canonical form. Blanks never clear a value unless allowed. */
export function diffProperties(
  mapper: ObjectMapper,
  mapped: Record<string, Value>,
  target: Record<string, Value>,
): Record<string, Value> {
  return diffCanonical(mapper, mapped, canonicalOf(mapper, target, mapped));
}

function diffCanonical(mapper: ObjectMapper, mapped: Record<string, Value>, current: Canonical): Record<string, Value> {
  const update: Record<string, Value> = {};
  for (const property of mapper.targetProperties) {
    if (!(property in mapped)) continue; // the legacy value could not be converted: reported as a field issue instead
    const legacy = mapped[property] ?? null;
    const now = current(property);
    if (legacy === null) {
      if (mapper.spec.overwriteWithBlank && now !== null) update[property] = null;
    } else if (!mapper.sameValue(property, legacy, now)) {
      update[property] = legacy;
    }
  }
  return update;
}

/** How well the identity properties (name, email, …) of both sides agree: null when none can be compared. */
function identitySimilarity(
  mapper: ObjectMapper,
  mapped: Record<string, Value>,
  current: Canonical,
): { score: number; worst?: { property: string; legacy: string; target: string; score: number } } | null {
  let total = 0;
  let n = 0;
  let worst: { property: string; legacy: string; target: string; score: number } | undefined;
  for (const property of mapper.spec.identity) {
    const legacy = mapped[property];
    const now = current(property);
    if (!legacy || !now) continue;
    const score = textSimilarity(legacy, now);
    total += score;
    n++;
    if (!worst || score < worst.score) worst = { property, legacy, target: now, score };
  }
  return n === 0 ? null : { score: total / n, worst };
}

/**
 * An ID match is strong evidence on its own (confidence 60 at worst); agreement of the identity properties
 * lifts it to 100. The floor keeps a renamed company visibly "matched, check me" rather than unmatched.
 */
export function idMatchConfidence(similarity: number | null): number {
  return similarity === null ? 100 : Math.round(60 + 40 * similarity);
}

const fmt = (n: number) => n.toFixed(2);

function issueNotes(issues: FieldIssue[]): string[] {
  return issues.map((i) => `${i.field} -> ${i.property}: ${i.reason}`);
}

export function classifyLegacy(mapper: ObjectMapper, legacy: LegacySide, targets: TargetSide[]): StagingRow {
  const base = {
    legacyId: legacy.legacyId,
    legacyProperties: legacy.legacyProperties,
    source: legacy.source,
    sourceLine: legacy.line,
  };
  const notes = issueNotes(legacy.issues);
  if (targets.length === 0) {
    const create: Record<string, Value> = {};
    for (const [k, v] of Object.entries(legacy.mapped)) if (v !== null) create[k] = v;
    return {
      ...base,
      targetId: null,
      targetIds: [],
      status: 'new',
      matchConfidence: null,
      propertiesToUpdate: create,
      notes,
    };
  }
  if (targets.length === 1) {
    const target = targets[0]!;
    const current = canonicalOf(mapper, target.properties, legacy.mapped);
    const similarity = identitySimilarity(mapper, legacy.mapped, current);
    if (similarity?.worst && similarity.score < IDENTITY_WARNING) {
      const w = similarity.worst;
      notes.unshift(
        `legacy ID matches, but ${w.property} differs (similarity ${fmt(w.score)}): "${w.legacy}" vs "${w.target}"`,
      );
    }
    return {
      ...base,
      targetId: target.id,
      targetIds: [target.id],
      status: 'matched',
      matchConfidence: idMatchConfidence(similarity?.score ?? null),
      propertiesToUpdate: diffCanonical(mapper, legacy.mapped, current),
      notes,
    };
  }
  // Several target records claim this legacy ID: rank them so a person can pick, but decide nothing.
  const ranked = targets
    .map((t) => ({
      id: t.id,
      score: identitySimilarity(mapper, legacy.mapped, canonicalOf(mapper, t.properties, legacy.mapped))?.score ?? null,
    }))
    .sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.id.localeCompare(b.id));
  notes.unshift(
    `legacy ID is on ${targets.length} target records: ${ranked.map((r) => (r.score === null ? r.id : `${r.id} (identity similarity ${fmt(r.score)})`)).join(', ')}`,
  );
  return {
    ...base,
    targetId: null,
    targetIds: ranked.map((r) => r.id),
    status: 'conflict',
    matchConfidence: null,
    propertiesToUpdate: null,
    notes,
  };
}

/** What the fuzzy fallback found for a legacy record that no target carries the ID of. */
export interface FuzzyLink {
  targetId: string;
  /** Match probability in percent, as `link` reports it. */
  confidence: number;
  decision: 'auto-merge' | 'review';
  /** One line per compared field: "name exact (+6.2)", "email missing". */
  reasons: string[];
}

/**
 * A legacy record linked by resemblance rather than by ID. It is staged like a match (the properties that differ are
 * pending), but with its own status so nothing is pushed until a person confirms the link.
 */
export function classifyFuzzy(
  mapper: ObjectMapper,
  legacy: LegacySide,
  target: TargetSide,
  link: FuzzyLink,
): StagingRow {
  const confidence = Math.max(0, Math.min(100, Math.round(link.confidence)));
  return {
    legacyId: legacy.legacyId,
    targetId: target.id,
    targetIds: [target.id],
    status: 'fuzzy_match',
    matchConfidence: confidence,
    legacyProperties: legacy.legacyProperties,
    propertiesToUpdate: diffProperties(mapper, legacy.mapped, target.properties),
    notes: [
      `no target record carries this legacy ID; fuzzy match to ${target.id} (confidence ${confidence}, ${link.decision})`,
      ...link.reasons.map((r) => `fuzzy: ${r}`),
      ...issueNotes(legacy.issues),
    ],
    source: legacy.source,
    sourceLine: legacy.line,
  };
}

/** `linkedTo` names, per target ID, the legacy record the fuzzy fallback linked that target to. */
export function classifyOrphan(
  legacyId: string,
  targetIds: readonly string[],
  linkedTo: ReadonlyMap<string, string> = new Map(),
): StagingRow {
  const ids = [...targetIds].sort();
  const linked = ids
    .filter((id) => linkedTo.has(id))
    .map((id) => `target record ${id} is fuzzy-matched to legacy record ${linkedTo.get(id)}`);
  return {
    legacyId,
    targetId: ids.length === 1 ? ids[0]! : null,
    targetIds: ids,
    status: 'orphan',
    matchConfidence: null,
    legacyProperties: null,
    propertiesToUpdate: null,
    notes: [
      `legacy ID is on ${ids.length === 1 ? 'a target record' : `${ids.length} target records`} but not in the export`,
      ...linked,
    ],
    source: null,
    sourceLine: null,
  };
}

/** Where the export has a legacy ID only in rows it could not read. */
export interface UnreadableEntry {
  source: string;
  line: number | null;
  reason: string;
}

/**
 * A target record whose legacy ID the export has, but only in rows that could not be read: not an orphan (the record
 * may well be in the export) and nothing to compare either. The notes say where and why.
 */
export function classifyUnreadable(
  legacyId: string,
  targetIds: readonly string[],
  entries: UnreadableEntry[],
): StagingRow {
  const ids = [...targetIds].sort();
  const where = entries.map((e) => `${e.source}${e.line === null ? '' : ` line ${e.line}`}: ${e.reason}`);
  return {
    legacyId,
    targetId: ids.length === 1 ? ids[0]! : null,
    targetIds: ids,
    status: 'unreadable_in_export',
    matchConfidence: null,
    legacyProperties: null,
    propertiesToUpdate: null,
    notes: [
      `legacy ID is on ${ids.length === 1 ? 'a target record' : `${ids.length} target records`}, but the export has it only in ${entries.length === 1 ? 'a row' : `${entries.length} rows`} that could not be read`,
      ...where,
    ],
    source: entries[0]?.source ?? null,
    sourceLine: entries[0]?.line ?? null,
  };
}
