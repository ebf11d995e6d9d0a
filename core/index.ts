/** The library surface of CRM Bridge; n8n nodes, the MCP server and the CLI are adapters over these. */
export { openDatabase, resolveDatabaseOptions, type Database, type DatabaseOptions } from './db/database';
export { migrate, ensureObjectTable } from './migrations';
export type {
  Connector,
  ReadItem,
  SourceRecord,
  Rejection,
  ObjectSchema,
  FieldSchema,
  UpsertInput,
  UpsertResult,
} from './connectors/connector';
export { CsvExportConnector, type CsvObject } from './connectors/csv/csv-export';
export { readCsv, inspectCsv, CsvFormatError } from './connectors/csv/csv-reader';
export { PostgresMirrorConnector, type MirrorTable } from './connectors/postgres/postgres-mirror';
export { MappingConfigSchema, type MappingConfig, type ObjectMapping } from './mapping/mapping-config';
export {
  loadMapping,
  loadMappingFile,
  parseMappingConfig,
  builtInMapping,
  ConfigError,
  type LoadedMapping,
} from './mapping/load-mapping';
export { ObjectMapper } from './mapping/object-mapper';
export { compileTransform, applyChain, type TransformSpec } from './mapping/transforms';
export { reconcile, type ReconcileOptions } from './reconcile/reconcile';
export { ExportRefused, DEFAULT_SHRINK_THRESHOLD } from './reconcile/shrink-guard';
export { ReconcileInputSchema, ReconcileSummarySchema, type ReconcileSummary } from './reconcile/summary';
export { lookupByLegacyId, LookupInputSchema, LookupResultSchema, type LookupResult } from './reconcile/lookup';
export { reconciliationStatus, StatusInputSchema, StatusResultSchema } from './reconcile/status';
export { EXIT, classifyError, UsageError } from './errors';
export * as mappingSuggestions from './mapping/suggest';
export * as conflicts from './conflicts';
