import { compileTransform, type Transform, type TransformDefaults } from '../../mapping/transforms';
import type { FieldValue, RecordValues } from '../schemas';
import { isBlank, splitItems } from '../values';
import {
  ValidationConfigSchema,
  type FieldRule,
  type QuarantinedRecord,
  type ValidationConfig,
  type ValidationConfigInput,
  type ValidationIssue,
  type ValidationResult,
} from './schemas';

interface CompiledRule {
  field: string;
  rule: FieldRule;
  format?: Transform;
  enum?: Set<string>;
  pattern?: RegExp;
}

function compile(config: ValidationConfig, object: string): { idField?: string; rules: CompiledRule[] } {
  const spec = config.objects[object];
  if (!spec)
    throw new Error(
      `no validation rules for object "${object}" (configured: ${Object.keys(config.objects).join(', ') || 'none'})`,
    );
  const defaults: TransformDefaults = config.defaults;
  const rules = Object.entries(spec.fields).map(([field, rule]) => ({
    field,
    rule,
    format: rule.format ? compileTransform(rule.format, defaults) : undefined,
    enum: rule.enum ? new Set(rule.enum.map((v) => (rule.caseInsensitive ? v.trim().toLowerCase() : v))) : undefined,
    pattern: rule.pattern ? new RegExp(`^(?:${rule.pattern})$`, 'u') : undefined,
  }));
  return { idField: spec.idField, rules };
}

const show = (v: FieldValue) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/** The checks of one field on one (item of a) value; returns the broken rules with messages. */
function checkItem(c: CompiledRule, item: string | number): Array<Pick<ValidationIssue, 'rule' | 'message'>> {
  const out: Array<Pick<ValidationIssue, 'rule' | 'message'>> = [];
  const text = String(item);
  const { rule } = c;
  if (c.format) {
    const r = c.format.apply(text);
    if (!r.ok) out.push({ rule: 'format', message: r.reason });
  }
  if (c.enum && !c.enum.has(rule.caseInsensitive ? text.trim().toLowerCase() : text)) {
    out.push({
      rule: 'enum',
      message: `${show(item)} is not one of ${rule.enum!.slice(0, 10).join(', ')}${rule.enum!.length > 10 ? ', …' : ''}`,
    });
  }
  const len = [...text].length;
  if (rule.minLength !== undefined && len < rule.minLength)
    out.push({ rule: 'minLength', message: `${len} characters, at least ${rule.minLength} needed` });
  if (rule.maxLength !== undefined && len > rule.maxLength)
    out.push({ rule: 'maxLength', message: `${len} characters, at most ${rule.maxLength} allowed` });
  if (c.pattern && !c.pattern.test(text))
    out.push({
      rule: 'pattern',
      message: `${show(item)} is not ${rule.patternName ?? `in the form /${rule.pattern}/`}`,
    });
  if (rule.min !== undefined || rule.max !== undefined) {
    const n = typeof item === 'number' ? item : Number(text.trim());
    if (!Number.isFinite(n) || text.trim() === '')
      out.push({ rule: rule.min !== undefined ? 'min' : 'max', message: `${show(item)} is not a number` });
    else if (rule.min !== undefined && n < rule.min)
      out.push({ rule: 'min', message: `${n} is below the minimum ${rule.min}` });
    else if (rule.max !== undefined && n > rule.max)
      out.push({ rule: 'max', message: `${n} is above the maximum ${rule.max}` });
  }
  return out;
}

function validateOne(
  record: RecordValues,
  index: number,
  idField: string | undefined,
  rules: CompiledRule[],
): ValidationIssue[] {
  const idValue = idField ? record[idField] : undefined;
  const recordId = idValue === undefined || isBlank(idValue) ? null : String(idValue);
  const name = recordId !== null ? `record ${recordId}` : `record #${index + 1}`;
  const issues: ValidationIssue[] = [];
  if (idField && recordId === null)
    issues.push({
      recordId,
      index,
      field: idField,
      rule: 'id',
      value: idValue ?? null,
      message: `${name}: no ${idField}`,
    });
  for (const c of rules) {
    const value = record[c.field];
    if (value === undefined || isBlank(value)) {
      if (c.rule.required)
        issues.push({
          recordId,
          index,
          field: c.field,
          rule: 'required',
          value: value ?? null,
          message: `${name}, field "${c.field}": required but blank`,
        });
      continue;
    }
    if (typeof value === 'boolean') {
      if (c.format && c.format.name !== 'boolean')
        issues.push({
          recordId,
          index,
          field: c.field,
          rule: 'format',
          value,
          message: `${name}, field "${c.field}": a yes/no value where ${c.format.name} is expected`,
        });
      continue;
    }
    const items =
      c.rule.separator || Array.isArray(value)
        ? splitItems(value, c.rule.separator ?? ';')
        : [value as string | number];
    for (const item of items) {
      for (const p of checkItem(c, item))
        issues.push({
          recordId,
          index,
          field: c.field,
          rule: p.rule,
          value,
          message: `${name}, field "${c.field}": ${p.message}`,
        });
    }
  }
  return issues;
}

function summarise(
  object: string,
  total: number,
  valid: RecordValues[],
  quarantined: QuarantinedRecord[],
): ValidationResult {
  const byField: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  let issues = 0;
  for (const q of quarantined) {
    for (const i of q.issues) {
      issues++;
      byField[i.field] = (byField[i.field] ?? 0) + 1;
      byRule[i.rule] = (byRule[i.rule] ?? 0) + 1;
    }
  }
  return {
    object,
    valid,
    quarantined,
    counts: { total, valid: valid.length, quarantined: quarantined.length, issues, byField, byRule },
  };
}

/**
 * Checks records of one object against its rules. Records that pass come back in `valid` (unchanged, in input order);
 * the others in `quarantined` with every broken rule named by record and field, and counted by field and by rule.
 * Throws a ZodError for a malformed config and an Error for an object without rules.
 */
export function validateRecords(
  records: readonly RecordValues[],
  config: ValidationConfigInput,
  object: string,
): ValidationResult {
  const { idField, rules } = compile(ValidationConfigSchema.parse(config), object);
  const valid: RecordValues[] = [];
  const quarantined: QuarantinedRecord[] = [];
  records.forEach((record, index) => {
    const issues = validateOne(record, index, idField, rules);
    if (issues.length === 0) valid.push(record);
    else quarantined.push({ recordId: issues[0]!.recordId, index, record, issues });
  });
  return summarise(object, records.length, valid, quarantined);
}

/**
 * Re-validates quarantined records after they were fixed: either edit `entry.record`, or pass `patches` keyed by
 * record ID (or by `#index` for records without one), which are merged over the record. Records that now pass are
 * released in `valid`; the rest stay quarantined with their current issues. Indexes stay those of the first run.
 */
export function replayQuarantine(
  entries: readonly QuarantinedRecord[],
  config: ValidationConfigInput,
  object: string,
  patches: Record<string, RecordValues> = {},
): ValidationResult {
  const { idField, rules } = compile(ValidationConfigSchema.parse(config), object);
  const valid: RecordValues[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (const entry of entries) {
    const patch = (entry.recordId !== null ? patches[entry.recordId] : undefined) ?? patches[`#${entry.index}`] ?? {};
    const record = { ...entry.record, ...patch };
    const issues = validateOne(record, entry.index, idField, rules);
    if (issues.length === 0) valid.push(record);
    else quarantined.push({ recordId: issues[0]!.recordId, index: entry.index, record, issues });
  }
  return summarise(object, entries.length, valid, quarantined);
}
