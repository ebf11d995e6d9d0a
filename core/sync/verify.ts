import type { Connector } from '../connectors/connector';
import type { Value } from '../connectors/connector';
import type { SyncedRecord, Values } from './store';

/** What the target holds for records the engine believes are as it last wrote them. */
export interface TargetCheck {
  /** Source IDs whose linked target record the target no longer has (deleted, or a target restored or wiped). */
  missing: Set<string>;
  /** Source ID -> the fields whose value in the target is no longer what the engine wrote, with that value now. */
  drifted: Map<string, Values>;
  /** Source IDs read back and found as written. */
  confirmed: Set<string>;
}

export interface CheckOptions {
  target: Connector;
  object: string;
  /** Fields to compare: what the engine wrote, less fields the target stores in another form (references by name). */
  fields: string[];
  same(field: string, written: Value, now: Value): boolean;
  signal?: AbortSignal;
}

/**
 * Reads the linked target records back by ID, in the connector's batches (HubSpot batch/read, Pipedrive `ids=`,
 * Salesforce `Id IN`), and compares them with what the engine last wrote there. Returns null when the target cannot
 * be read by ID: the links then stay unverified, which the counts show (`unchanged` without `verified`).
 */
export async function checkTarget(links: SyncedRecord[], options: CheckOptions): Promise<TargetCheck | null> {
  const { target } = options;
  if (!target.readByIds) return null;
  const check: TargetCheck = { missing: new Set(), drifted: new Map(), confirmed: new Set() };
  const byTarget = new Map<string, SyncedRecord>();
  for (const link of links) if (link.targetId) byTarget.set(link.targetId, link);
  if (byTarget.size === 0) return check;
  const seen = new Set<string>();
  const properties = [...new Set(options.fields)];
  for await (const item of target.readByIds(options.object, [...byTarget.keys()], {
    properties,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    if (item.type !== 'record') continue;
    const link = byTarget.get(item.record.id);
    if (!link) continue;
    seen.add(item.record.id);
    const drift: Values = {};
    for (const field of properties) {
      if (!(field in link.written)) continue;
      const now = item.record.properties[field] ?? null;
      if (!options.same(field, link.written[field] ?? null, now)) drift[field] = now;
    }
    if (Object.keys(drift).length) check.drifted.set(link.sourceId, drift);
    else check.confirmed.add(link.sourceId);
  }
  for (const [targetId, link] of byTarget) if (!seen.has(targetId)) check.missing.add(link.sourceId);
  return check;
}
