import type { UpsertOptions } from '../connector';
import type { ParentAssociation } from './associations';

/** Options of one `upsert()` call: the connector contract's, and parents to associate with. */
export interface HubSpotUpsertOptions extends UpsertOptions {
  /** A unique property (`hasUniqueValue`) whose value is each input's `key`. */
  keyProperty: string;
  /**
   * Overrides the connector's `detectUnchanged` for this call: `false` when the caller knows the records are new or
   * changed (one call per 100 records instead of two); such records come back `created` or `updated`, never `unchanged`.
   */
  detectUnchanged?: boolean;
  /**
   * Parents to associate each record with, found by the parent's key. The parent keys are resolved to HubSpot IDs
   * before writing (one `batch/read` per 100 records and parent type); a record whose parent does not exist is not
   * written and comes back `failed`, saying which parent is missing.
   */
  associations?: ParentAssociation[];
}
