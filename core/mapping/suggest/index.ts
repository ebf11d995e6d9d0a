/** Field-mapping suggestions: which target field each source field goes to, ranked, with confidence and reasons. */
export { suggestMappings } from './suggest';
export {
  suggestForConnectedObjects,
  suggestFieldMappings,
  sampleRecords,
  ConnectedSuggestInputSchema,
  SuggestRequestSchema,
  type ConnectedSuggestInput,
  type SuggestRequest,
} from './connected';
export {
  FieldTypeSchema,
  FieldFormatSchema,
  FieldSchemaSchema,
  ObjectSchemaSchema,
  SuggestSamplesSchema,
  SuggestOptionsSchema,
  SuggestInputSchema,
  CandidateSchema,
  FieldSuggestionSchema,
  SuggestResultSchema,
  type SuggestSamples,
  type SuggestOptions,
  type MappingCandidate,
  type FieldSuggestion,
  type SuggestResult,
} from './schemas';
export { minCostAssignment, maxScoreMatching } from './hungarian';
export { buildVocabulary, terms, type Term, type Vocabulary } from './tokens';
export { profileValues, kindOf, type ValueKind, type ValueProfile } from './profile';
export { SYNONYMS, RELATED } from './vocabulary';
export {
  LabeledPairSchema,
  loadLabeledPairs,
  expectedTargets,
  LABELED_PAIRS_DIR,
  type LabeledPair,
} from './labeled-pairs';
