/** Data quality: per-object validation rules, quarantine with reasons, and replay of fixed records. */
export { validateRecords, replayQuarantine } from './validate';
export {
  FORMATS,
  FieldRuleSchema,
  ObjectRulesSchema,
  ValidationConfigSchema,
  IssueRuleSchema,
  ValidationIssueSchema,
  QuarantinedRecordSchema,
  ValidationResultSchema,
  type FieldRule,
  type ValidationConfig,
  type ValidationConfigInput,
  type ValidationIssue,
  type QuarantinedRecord,
  type ValidationResult,
} from './schemas';
