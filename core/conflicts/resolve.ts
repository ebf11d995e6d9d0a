import type { Transform } from '../mapping/transforms';
import {
  ConflictRulesSchema,
  ResolveInputSchema,
  toEpochMs,
  type ConflictCandidate,
  type ConflictRules,
  type ConflictRulesInput,
  type Difference,
  type FieldProvenance,
  type FieldValue,
  type RecordValues,
  type ResolveResult,
  type Strategy,
} from './schemas';
import { canonical, compileChain, isBlank, splitItems } from './values';

/** One source's value of one field, as the strategies see it. */
export interface FieldCandidate {
  source: string;
  /** As the source gave it. */
  raw: FieldValue;
  /** Canonical form (after the field's transforms), written if it wins. */
  value: FieldValue;
  key: string;
  blank: boolean;
  /** Field change time if known, else the record's; epoch ms. */
  modifiedAtMs: number | null;
  /** Non-blank fields in the source's record. */
  completeness: number;
}

export interface CustomRuleContext {
  field: string;
  /** Every source's value of the field, blanks included, in source-priority order. */
  candidates: readonly FieldCandidate[];
  /** The destination's current value, if a current record was given. */
  current: FieldValue | undefined;
}

export interface CustomDecision {
  value: FieldValue;
  /** The source the value came from (null for a computed value). */
  source?: string | null;
  reason?: string;
}

/** A rule written in code. Returning null hands the field to the default rule. */
export type CustomRule = (ctx: CustomRuleContext) => CustomDecision | null | undefined;

export interface ResolveOptions {
  /** The record as it stands in the destination: changes are computed against it, and blanks never clear it. */
  current?: RecordValues;
  /** Functions for `{ strategy: "custom", name }` rules. */
  custom?: Record<string, CustomRule>;
}

/** Orders sources by a priority list; sources not in it come after, by name. */
function byPriority(order: readonly string[]): (a: string, b: string) => number {
  const rank = (s: string) => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
  return (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const iso = (ms: number | null) => (ms === null ? 'no time' : new Date(ms).toISOString());

interface Decision {
  rule: FieldProvenance['rule'];
  value: FieldValue;
  source: string | null;
  sources: string[];
  reason: string;
}

function tieNote(rules: ConflictRules, winner: string, others: string[]): string {
  if (others.length === 0) return '';
  const listed = rules.sourcePriority.includes(winner)
    ? `${winner} ranks higher in source priority [${rules.sourcePriority.join(', ')}]`
    : `no priority between them, so by source name`;
  return `; tie with ${others.join(', ')}: ${listed}`;
}

function decide(
  field: string,
  strategy: Strategy,
  eligible: FieldCandidate[],
  all: FieldCandidate[],
  rules: ConflictRules,
  options: ResolveOptions,
  current: FieldValue | undefined,
): Decision {
  const tie = byPriority(rules.sourcePriority);
  switch (strategy.strategy) {
    case 'lastWriteWins': {
      const p = strategy.precisionMs;
      const tick = (c: FieldCandidate) => (c.modifiedAtMs === null ? -Infinity : Math.floor(c.modifiedAtMs / p));
      const sorted = [...eligible].sort((a, b) => tick(b) - tick(a) || tie(a.source, b.source));
      const w = sorted[0]!;
      const tied = sorted
        .slice(1)
        .filter((c) => tick(c) === tick(w))
        .map((c) => c.source);
      const when =
        w.modifiedAtMs === null
          ? 'no source has a change time'
          : `newest change (${iso(w.modifiedAtMs)}${p > 1 ? `, compared to ${p} ms` : ''})`;
      return {
        rule: 'lastWriteWins',
        value: w.value,
        source: w.source,
        sources: [w.source],
        reason: `${when}${tieNote(rules, w.source, tied)}`,
      };
    }
    case 'sourcePriority': {
      const order = strategy.order ?? rules.sourcePriority;
      const w = [...eligible].sort((a, b) => byPriority(order)(a.source, b.source))[0]!;
      const pos = order.indexOf(w.source);
      return {
        rule: 'sourcePriority',
        value: w.value,
        source: w.source,
        sources: [w.source],
        reason:
          pos >= 0
            ? `${w.source} is #${pos + 1} in [${order.join(', ')}] among the sources with a value`
            : `no listed source has a value; ${w.source} first by name`,
      };
    }
    case 'mostComplete': {
      const sorted = [...eligible].sort((a, b) => b.completeness - a.completeness || tie(a.source, b.source));
      const w = sorted[0]!;
      const tied = sorted
        .slice(1)
        .filter((c) => c.completeness === w.completeness)
        .map((c) => c.source);
      return {
        rule: 'mostComplete',
        value: w.value,
        source: w.source,
        sources: [w.source],
        reason: `most complete record (${w.completeness} filled fields)${tieNote(rules, w.source, tied)}`,
      };
    }
    case 'union': {
      const seen = new Map<string, string | number>();
      const from = new Set<string>();
      let asList = false;
      for (const c of [...all].sort((a, b) => tie(a.source, b.source))) {
        if (Array.isArray(c.raw)) asList = true;
        for (const item of splitItems(c.value, strategy.separator)) {
          const key =
            strategy.compare === 'text' && typeof item === 'string'
              ? item.toLowerCase().replace(/\s+/g, ' ')
              : String(item);
          if (!seen.has(key)) {
            seen.set(key, item);
            from.add(c.source);
          }
        }
      }
      const items = [...seen.values()];
      const value: FieldValue = items.length === 0 ? null : asList ? items : items.join(strategy.separator);
      const sources = [...from];
      return {
        rule: 'union',
        value,
        source: sources.length === 1 ? sources[0]! : null,
        sources,
        reason: `union of ${items.length} distinct value(s) from ${sources.join(', ') || 'no source'}`,
      };
    }
    case 'custom': {
      const fn = options.custom?.[strategy.name];
      if (!fn) throw new Error(`field "${field}": custom rule "${strategy.name}" was not passed in options.custom`);
      const out = fn({ field, candidates: [...all].sort((a, b) => tie(a.source, b.source)), current });
      if (out) {
        const source = out.source ?? null;
        return {
          rule: 'custom',
          value: out.value,
          source,
          sources: source ? [source] : [],
          reason: `custom rule "${strategy.name}"${out.reason ? `: ${out.reason}` : ''}`,
        };
      }
      const fallback =
        rules.default.strategy === 'custom' ? ({ strategy: 'sourcePriority' } as Strategy) : rules.default;
      const d = decide(field, fallback, eligible, all, rules, options, current);
      return { ...d, reason: `custom rule "${strategy.name}" passed; ${d.reason}` };
    }
  }
}

function difference(
  field: string,
  oldValue: FieldValue | undefined,
  value: FieldValue,
  oldKey: string,
  newKey: string,
): Difference | null {
  const path = [field];
  const oldBlank = oldValue === undefined || isBlank(oldValue);
  if (isBlank(value)) return oldBlank ? null : { type: 'REMOVE', path, oldValue: oldValue! };
  if (oldBlank) return { type: 'CREATE', path, value };
  return oldKey === newKey ? null : { type: 'CHANGE', path, value, oldValue: oldValue! };
}

/**
 * Merges the same record from several sources into one, field by field, with the rule of each field
 * (`rules.fields[field]`, else `rules.default`), and says for every field which source won, by which rule, what
 * it overrode, and what it changes in `options.current`.
 *
 * - A source that lacks a field has no say on it; a source that has it blank (null, "", spaces, []) does.
 * - Blanks never win over a value, nor clear the current value, unless the rule (or `rules.allowBlank`) allows it.
 * - Values are compared canonically: through the field's `transform`s when given (phones, dates, numbers), else
 *   with spaces collapsed, and numbers equal to numeric strings.
 * - Every tie is broken by `rules.sourcePriority`, then by source name, so the result never depends on input order.
 * - `changes` is a microdiff-style diff against `options.current`: CREATE (was blank or absent), CHANGE, REMOVE.
 *
 * Throws a ZodError on malformed input and an Error for a custom rule name that was not passed.
 */
export function resolveConflicts(
  candidates: ConflictCandidate[],
  rules: ConflictRulesInput,
  options: ResolveOptions = {},
): ResolveResult {
  const input = ResolveInputSchema.parse({
    candidates,
    rules: ConflictRulesSchema.parse(rules),
    current: options.current,
  });
  const r = input.rules;
  const current = input.current;
  const chains = new Map<string, Transform[]>();

  const fields: string[] = [];
  const seen = new Set<string>();
  for (const c of input.candidates)
    for (const f of Object.keys(c.record))
      if (!seen.has(f)) {
        seen.add(f);
        fields.push(f);
      }

  const record: RecordValues = { ...(current ?? {}) };
  const provenance: Record<string, FieldProvenance> = {};
  const changes: Difference[] = [];

  for (const field of fields) {
    const strategy = r.fields[field] ?? r.default;
    const allowBlank = strategy.allowBlank ?? r.allowBlank;
    let chain = chains.get(field);
    if (!chain) chains.set(field, (chain = compileChain(strategy, r.transformDefaults)));
    const present = input.candidates.filter((c) => Object.prototype.hasOwnProperty.call(c.record, field));
    const numeric = present.some((c) => typeof c.record[field] === 'number') || typeof current?.[field] === 'number';
    const all: FieldCandidate[] = present.map((c) => {
      const raw = c.record[field]!;
      const canon = canonical(raw, chain, numeric);
      return {
        source: c.source,
        raw,
        value: canon.value,
        key: canon.key,
        blank: isBlank(raw),
        modifiedAtMs: toEpochMs(c.fieldModifiedAt?.[field]) ?? toEpochMs(c.modifiedAt),
        completeness: Object.entries(c.record).filter(
          ([k, v]) =>
            !isBlank(v) && (strategy.strategy !== 'mostComplete' || !strategy.fields || strategy.fields.includes(k)),
        ).length,
      };
    });
    const eligible = allowBlank ? all : all.filter((c) => !c.blank);
    const conflict = new Set((allowBlank ? all : eligible).map((c) => c.key)).size > 1;
    const cur = current?.[field];
    const curCanon = cur === undefined ? { key: '' } : canonical(cur, chain, numeric);

    let d: Decision =
      eligible.length === 0
        ? {
            rule: 'allBlank',
            value: null,
            source: null,
            sources: [],
            reason: `every source has it blank (${all.map((c) => c.source).join(', ')})`,
          }
        : decide(field, strategy, eligible, all, r, options, cur);
    if (isBlank(d.value) && !allowBlank && cur !== undefined && !isBlank(cur)) {
      d = {
        rule: 'neverOverwriteWithBlank',
        value: cur,
        source: null,
        sources: [],
        reason: `${d.reason}; a blank does not overwrite the current value`,
      };
    }
    const newCanon = canonical(d.value, chain, numeric);
    const change =
      current === undefined
        ? difference(field, undefined, d.value, '', newCanon.key)
        : difference(field, cur, d.value, curCanon.key, newCanon.key);
    // The same fact written differently is not a change: keep the current spelling.
    record[field] = change === null && cur !== undefined && !isBlank(cur) ? cur : isBlank(d.value) ? null : d.value;
    if (change) changes.push(change);
    const winners = new Set(d.sources);
    provenance[field] = {
      field,
      value: record[field]!,
      source: d.source,
      sources: d.sources,
      rule: d.rule,
      reason: d.reason,
      conflict,
      overridden:
        d.rule === 'union'
          ? []
          : all
              .filter((c) => !winners.has(c.source) && c.key !== newCanon.key && (allowBlank || !c.blank))
              .map((c) => ({ source: c.source, value: c.raw })),
      change,
    };
  }
  return { record, provenance, changes };
}

export type { ConflictRules };
