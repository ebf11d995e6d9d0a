/** Values travel as strings, the way CRM APIs carry properties; null means blank. */
export type Value = string | null;

/** One record as a connector sees it: an ID in that system and flat string properties. */
export interface SourceRecord {
  id: string;
  properties: Record<string, Value>;
  /** ISO time of the last change, when the system tracks it. */
  modifiedAt?: string;
  /** Where the record came from, for messages and quarantine (file and physical line for exports). */
  origin?: { source: string; line?: number };
}

/** A record, or part of one, that could not be read; kept so nothing disappears silently. */
export interface Rejection {
  source: string;
  line?: number;
  recordId?: string;
  field?: string;
  reason: string;
  raw?: string;
}

export type ReadItem = { type: 'record'; record: SourceRecord } | { type: 'rejected'; rejection: Rejection };

export interface ReadOptions {
  /** Only records changed after this cursor (an ISO time, or a connector-specific cursor). */
  since?: string;
  /** Properties to return; all when absent. */
  properties?: string[];
  signal?: AbortSignal;
}

export interface DeletedReadOptions extends Omit<ReadOptions, 'properties'> {
  /**
   * Where the last read of a system that reports deletions through a change feed stopped (Dataverse change tracking:
   * a delta link), as `onResume` handed it over; such a system cannot answer from a time alone.
   */
  resume?: string;
  /**
   * Called once the read is through with where the next read resumes; the caller stores it once it has acted on the
   * deletions read. Without it, a change-feed system reports only what it learnt in this process.
   */
  onResume?(resume: string): void;
}

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime' | 'enum' | 'unknown';

export interface FieldSchema {
  name: string;
  label?: string;
  type: FieldType;
  required?: boolean;
  unique?: boolean;
  options?: string[];
  /** A few example values, for mapping suggestions. */
  sample?: string[];
  /**
   * What a string or number holds, when the system says so (Salesforce `email`/`phone`/`url`/`reference` field
   * types, HubSpot `fieldType: phonenumber`): a stronger hint for mapping suggestions and validation than `type`.
   */
  format?: FieldFormat;
  /** The system computes it; it cannot be written (HubSpot `readOnlyValue`, Salesforce not `updateable`). */
  readOnly?: boolean;
  /** Several values in one field (`;`-separated multi-select picklists, several emails). */
  multiValue?: boolean;
  /** Help text from the system, if any. */
  description?: string;
}

export type FieldFormat = 'email' | 'phone' | 'url' | 'domain' | 'currency' | 'percent' | 'reference' | 'textarea';

export interface ObjectSchema {
  object: string;
  idField: string;
  fields: FieldSchema[];
}

export interface UpsertInput {
  /** Value of the key property that identifies the record (an external ID). */
  key: string;
  properties: Record<string, Value>;
}

export interface UpsertOptions {
  /** The property that holds each record's key (an external-ID field). */
  keyProperty: string;
  /**
   * `false` when the caller already knows every record differs from the target (the sync engine compares with what
   * it last wrote): a connector that reads before it writes to report `unchanged` may then skip that read.
   */
  detectUnchanged?: boolean;
}

export interface UpsertResult {
  key: string;
  status: 'created' | 'updated' | 'unchanged' | 'failed';
  id?: string;
  error?: string;
}

/** What became of one record a connector was asked to delete. */
export interface DeleteResult {
  id: string;
  /** `missing`: the system no longer had it (deleted before): nothing left to delete, which is not a failure. */
  status: 'deleted' | 'missing' | 'failed';
  error?: string;
}

export interface ConnectionCheck {
  ok: boolean;
  message: string;
}

/** The contract every CRM connector implements; later systems (Salesforce, HubSpot, Pipedrive) add to it. */
export interface Connector {
  readonly system: string;
  checkConnection(): Promise<ConnectionCheck>;
  listObjects(): Promise<string[]>;
  describe(object: string): Promise<ObjectSchema>;
  read(object: string, options?: ReadOptions): AsyncIterable<ReadItem>;
  /** The records with these IDs, when the system can fetch by ID (the sync engine fetches a deal's person this way). */
  readByIds?(object: string, ids: string[], options?: Omit<ReadOptions, 'since'>): AsyncIterable<ReadItem>;
  /**
   * Records deleted (archived, in a recycling bin) after `since`, with the deletion time as `modifiedAt` and at
   * least their unique properties; absent where the system cannot say.
   */
  readDeleted?(object: string, options?: DeletedReadOptions): AsyncIterable<ReadItem>;
  /**
   * Deletes records by their IDs in this system (HubSpot archives them to its recycling bin, Salesforce and Pipedrive
   * keep deleted records for a while too), with one result per ID in the order given; absent where the connector
   * cannot delete.
   */
  delete?(object: string, ids: string[]): Promise<DeleteResult[]>;
  /** Absent on read-only sources such as exports. */
  upsert?(object: string, records: UpsertInput[], options: UpsertOptions): Promise<UpsertResult[]>;
}
