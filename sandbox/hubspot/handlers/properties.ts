import type { Reply } from '../http';
import type { HubSpotStore } from '../store';

/** GET /crm/v3/properties/{objectType} */
export function listProperties(store: HubSpotStore, object: string): Reply {
  const defs = [...(store.properties(object)?.values() ?? [])];
  const now = new Date(0).toISOString();
  return { status: 200, body: { results: defs.map((d) => ({ ...d, createdAt: now, updatedAt: now, displayOrder: -1 })) } };
}
