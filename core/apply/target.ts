import type { ObjectSchema, ReadItem, UpsertInput, UpsertResult } from '../connectors/connector';
import type { HubSpotUpsertOptions } from '../connectors/hubspot/hubspot-connector';
import type { IdUpdate, IdUpdateResult } from '../connectors/hubspot/by-id';
import type { IdLink, IdLinkResult } from '../connectors/hubspot/associate-by-id';
import type { ParentAssociation } from '../connectors/hubspot/associations';

/** What apply needs of the CRM: HubSpot's connector (upsert by a unique key with parents, update and read by ID). */
export interface ApplyTarget {
  readonly system: string;
  describe(object: string): Promise<ObjectSchema>;
  upsert(object: string, records: UpsertInput[], options: HubSpotUpsertOptions): Promise<UpsertResult[]>;
  updateByIds(object: string, updates: IdUpdate[]): Promise<IdUpdateResult[]>;
  readByIds(object: string, ids: string[], options?: { properties?: string[] }): AsyncIterable<ReadItem>;
  associateByIds(object: string, links: IdLink[], spec: ParentAssociation): Promise<IdLinkResult[]>;
}
