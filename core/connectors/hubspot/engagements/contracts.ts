import type { ObjectSchema, ReadItem, ReadOptions, UpsertInput, UpsertResult, Value } from '../../connector';
import type { IdLink, IdLinkResult } from '../associate-by-id';
import type { AssociationContext, ParentAssociation } from '../associations';
import type { IdUpdate, IdUpdateResult } from '../by-id';
import type { HubSpotUpsertOptions } from '../upsert-options';
import type { UnifiedSchema } from './schema';
import type { EngagementType } from './types';

/** What the view needs of the connector: its calls on one object type (the view never passes `engagements` back). */
export interface EngagementBase {
  describe(object: string): Promise<ObjectSchema>;
  read(object: string, options?: ReadOptions): AsyncIterable<ReadItem>;
  readByIds(object: string, ids: string[], options?: Omit<ReadOptions, 'since'>): AsyncIterable<ReadItem>;
  readDeleted(object: string, options?: Omit<ReadOptions, 'properties'>): AsyncIterable<ReadItem>;
  upsert(object: string, records: UpsertInput[], options: HubSpotUpsertOptions): Promise<UpsertResult[]>;
  updateByIds(object: string, updates: IdUpdate[]): Promise<IdUpdateResult[]>;
  readAssociations(object: string, ids: string[], toObject: string): Promise<Map<string, string[]>>;
  associateByIds(object: string, links: IdLink[], spec: ParentAssociation): Promise<IdLinkResult[]>;
}

/** One HubSpot engagement found by ID or by key: its type, ID and the native properties read. */
export interface Carrier {
  type: EngagementType;
  id: string;
  properties: Record<string, Value>;
}

/**
 * What to do with a record HubSpot holds as one type when the input names another (HubSpot cannot change an
 * engagement's type): `move` re-creates it as the named type with all its values and associations and archives the
 * old one (its ID changes); `refuse` fails the record, saying so.
 */
export type Retype = 'move' | 'refuse';

/** An upsert result of the view: the type's object it was written to, and for a move the record it replaced. */
export interface EngagementUpsertResult extends UpsertResult {
  object?: string;
  replaced?: { object: string; id: string };
}

/** What writing needs of the view: its schema, and to learn which type holds an ID it wrote or found. */
export interface ViewMemory {
  unified(): Promise<UnifiedSchema>;
  remember(id: string, type: EngagementType): void;
}

export interface UpsertContext {
  base: EngagementBase;
  ctx: AssociationContext;
  view: ViewMemory;
  retype: Retype;
}
