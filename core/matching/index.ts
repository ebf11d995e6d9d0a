/**
 * Fuzzy matching of customer records: dedupe one source, or link two.
 *
 *   dedupe(records, { preset: 'contacts' })  -> { clusters, pairs, columnsUsed, stats, ... }
 *   link(left, right, { preset: 'companies' })
 *
 * Records are plain objects of column values; each needs an ID (found as id/unique_id/rec_id/record_id, or named
 * with idColumn). Every pair reported has a confidence (0-100) and per-field reasons; clusters name the record to
 * keep. The config and the results have zod schemas, shared by the CLI, the n8n node and the MCP tool.
 */
export { dedupe, link } from './run';
export {
  MatchConfigSchema,
  FieldConfigSchema,
  FIELD_KINDS,
  PRESETS,
  type MatchConfig,
  type MatchConfigInput,
  type FieldConfig,
  type FieldKind,
} from './config';
export {
  DedupeResultSchema,
  LinkResultSchema,
  PairSchema,
  ReasonSchema,
  DedupeClusterSchema,
  LinkClusterSchema,
  StatsSchema,
  type DedupeResult,
  type LinkResult,
  type MatchPair,
} from './result';
export { MatchInputError } from './errors';
export { clusterAssignments, type ClusterAssignment } from './assignments';
export {
  findDuplicates,
  FindDuplicatesInputSchema,
  FindDuplicatesResultSchema,
  type FindDuplicatesInput,
  type FindDuplicatesResult,
} from './find-duplicates';
export type { InputRecord, QuarantinedRow } from './input';
export { recogniseFields, choosePreset } from './presets';
export * as normalize from './normalize';
export {
  jaroWinkler,
  jaro,
  tokenSetSimilarity,
  tokenSortSimilarity,
  levenshteinSimilarity,
} from './compare/string-similarity';
export { soundex } from './compare/phonetic';
export { compareDates } from './compare/dates';
export { FieldsSpecSchema, resolveFieldsSpec, type FieldsSpec } from './field-spec';
