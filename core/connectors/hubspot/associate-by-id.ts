import type { UpsertResult } from '../connector';
import {
  associate,
  readAssociations,
  resolveParents,
  type AssociationContext,
  type ParentAssociation,
} from './associations';

/** A record (by HubSpot ID) to associate with the parent whose key property holds `parentKey`. */
export interface IdLink {
  id: string;
  parentKey: string;
}

export interface IdLinkResult {
  id: string;
  /** `created`: the association was made now; `unchanged`: it was there already. */
  status: 'created' | 'unchanged' | 'failed';
  error?: string;
}

/**
 * Associates existing records with their parents found by the parent's key, making only the associations that are
 * missing (one v4 read per 1,000 records first), so asking again writes nothing. A parent that does not exist fails
 * that record alone, saying which.
 */
export async function associateByIds(
  ctx: AssociationContext,
  object: string,
  links: IdLink[],
  spec: ParentAssociation,
): Promise<IdLinkResult[]> {
  if (links.length === 0) return [];
  const parents = await resolveParents(
    ctx,
    spec,
    links.map((l) => l.parentKey),
    new Map(),
  );
  const existing = await readAssociations(ctx, object, [...new Set(links.map((l) => l.id))], spec.toObject);
  const results: IdLinkResult[] = [];
  const toMake: Array<{ result: UpsertResult; parentId: string; parentKey: string; index: number }> = [];
  links.forEach((l, index) => {
    const parentId = parents.get(l.parentKey);
    if (!parentId)
      return results.push({
        id: l.id,
        status: 'failed',
        error: `not associated: its parent in ${spec.toObject} with ${spec.toKeyProperty}=${l.parentKey} does not exist in HubSpot`,
      });
    if (existing.get(l.id)?.includes(parentId)) return results.push({ id: l.id, status: 'unchanged' });
    const result: UpsertResult = { key: l.id, status: 'updated', id: l.id };
    toMake.push({ result, parentId, parentKey: l.parentKey, index });
    results.push({ id: l.id, status: 'created' });
  });
  await associate(ctx, object, spec, toMake);
  // `associate` marks a link HubSpot refused as failed on its result.
  for (const m of toMake)
    if (m.result.status === 'failed') results[m.index] = { id: m.result.id!, status: 'failed', error: m.result.error };
  return results;
}
