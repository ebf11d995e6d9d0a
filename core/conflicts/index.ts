/** Conflict rules: merge the same record from several CRMs into one, with per-field provenance. */
export {
  resolveConflicts,
  type CustomRule,
  type CustomRuleContext,
  type CustomDecision,
  type FieldCandidate,
  type ResolveOptions,
} from './resolve';
export {
  FieldValueSchema,
  RecordValuesSchema,
  TimestampSchema,
  ConflictCandidateSchema,
  StrategySchema,
  ConflictRulesSchema,
  ResolveInputSchema,
  DifferenceSchema,
  DecisionSchema,
  FieldProvenanceSchema,
  ResolveResultSchema,
  type FieldValue,
  type RecordValues,
  type Timestamp,
  type ConflictCandidate,
  type Strategy,
  type StrategyName,
  type ConflictRules,
  type ConflictRulesInput,
  type Difference,
  type FieldProvenance,
  type ResolveResult,
} from './schemas';
export { isBlank } from './values';
export * from './quality';
